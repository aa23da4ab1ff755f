"""What Toolkit writes and reads on a site: local-file publishes, folder records, Software.

tk-core links FilesystemLocation records to Projects, Steps and Tasks (folder creation), publishes
in a project context with `entity` = the Project (util/shotgun/publish_creation.py), and finds
publishes by `path_cache` and `path_cache_storage` (util/shotgun/publish_util.py), which ShotGrid
fills from a local-file `path`. tk-multi-launchapp lists the Software records a new site has.
"""

from __future__ import annotations

from typing import Any

import pytest

from callsheet.store.toolkit_seed import DEFAULT_SOFTWARE


@pytest.fixture
def world(sg: Any) -> dict[str, Any]:
    primary = sg.create(
        "LocalStorage",
        {
            "code": "primary",
            "linux_path": "/mnt/proj",
            "mac_path": "/Volumes/proj",
            "windows_path": "P:\\proj",
        },
    )
    other = sg.create("LocalStorage", {"code": "renders", "linux_path": "/mnt/renders"})
    project = sg.create("Project", {"name": "Toolkit", "tank_name": "toolkit"})
    return {"primary": primary, "other": other, "project": project}


def publish(sg: Any, w: dict[str, Any], path: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data = {"code": "a.ma", "project": w["project"], "entity": w["project"], "path": path}
    data.update(extra)
    return sg.create("PublishedFile", data, ["path_cache_storage", "path"])  # type: ignore[no-any-return]


def test_create_local_path_fills_path_cache_storage(sg: Any, world: dict[str, Any]) -> None:
    made = publish(sg, world, {"local_path": "/mnt/proj/toolkit/a.ma"}, path_cache="toolkit/a.ma")
    assert made["path_cache_storage"]["id"] == world["primary"]["id"]
    found = sg.find(
        "PublishedFile",
        [["path_cache", "in", ["toolkit/a.ma"]], ["path_cache_storage", "is", world["primary"]]],
    )
    assert [f["id"] for f in found] == [made["id"]]


def test_create_relative_path_fills_the_named_storage(sg: Any, world: dict[str, Any]) -> None:
    path = {"relative_path": "shots/b.exr", "local_storage": world["other"]}
    made = publish(sg, world, path)
    assert made["path_cache_storage"]["id"] == world["other"]["id"]


def test_update_path_fills_path_cache_storage(sg: Any, world: dict[str, Any]) -> None:
    made = publish(sg, world, {"url": "https://example.com/a.ma", "name": "a"})
    assert made["path_cache_storage"] is None  # a web link has no storage
    sg.update("PublishedFile", made["id"], {"path": {"local_path": "/mnt/renders/a.exr"}})
    read = sg.find_one("PublishedFile", [["id", "is", made["id"]]], ["path_cache_storage"])
    assert read["path_cache_storage"]["id"] == world["other"]["id"]


def test_given_path_cache_storage_is_kept(sg: Any, world: dict[str, Any]) -> None:
    made = publish(sg, world, {"local_path": "/mnt/proj/a.ma"}, path_cache_storage=world["other"])
    assert made["path_cache_storage"]["id"] == world["other"]["id"]


@pytest.mark.parametrize("entity_type", ["Project", "Step", "Task", "HumanUser", "Shot"])
def test_filesystem_location_links_what_toolkit_makes_folders_for(
    sg: Any, world: dict[str, Any], entity_type: str
) -> None:
    project = world["project"]
    if entity_type == "Project":
        target = project
    elif entity_type == "Step":
        target = sg.find_one("Step", [["code", "is", "Comp"]])
    elif entity_type == "Task":
        target = sg.create("Task", {"content": "comp", "project": project})
    elif entity_type == "HumanUser":
        target = sg.find_one("HumanUser", [["login", "is", "admin"]])
    else:
        target = sg.create("Shot", {"code": "sh010", "project": project})
    made = sg.create(
        "FilesystemLocation",
        {"code": "x", "entity": target, "project": project, "linked_entity_type": entity_type},
    )
    assert made["entity"]["type"] == entity_type and made["entity"]["id"] == target["id"]


def test_new_site_has_the_default_software_records(sg: Any) -> None:
    found = sg.find("Software", [], ["code", "engine", "products", "group_name", "group_default"])
    assert {s["code"] for s in found} == {code for code, *_ in DEFAULT_SOFTWARE}
    assert all(s["engine"] and s["engine"].startswith("tk-") for s in found)
    nuke = [s for s in found if s["group_name"] == "Nuke"]
    assert {s["engine"] for s in nuke} == {"tk-nuke"}
    assert [s["code"] for s in nuke if s["group_default"]] == ["Nuke"]


def test_project_tank_name_is_written_and_read(sg: Any, world: dict[str, Any]) -> None:
    read = sg.find_one("Project", [["tank_name", "is", "toolkit"]], ["tank_name"])
    assert read["id"] == world["project"]["id"]
    template = sg.find_one("Project", [["name", "is", "Template Project"]], ["tank_name"])
    assert template["tank_name"] is None  # as on a new ShotGrid site: set by Toolkit's setup
