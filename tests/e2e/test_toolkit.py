"""Toolkit end to end: tk-config-default2 bootstraps offline in tk-shell against a live server.

Needs a tk-core checkout (CALLSHEET_TKCORE) and an offline bundle cache (CALLSHEET_TK_BUNDLE_CACHE)
holding tk-config-default2 and the bundles its tk-shell environment pins (docs/toolkit.md says
which and how to lay them out); skipped, saying so, without them: that code is not ours to
commit and CI cannot fetch it. Each Toolkit session runs in its own process (toolkit_session.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from live_server import HUMAN_LOGIN, HUMAN_PASSWORD, SCRIPT_KEY, SCRIPT_NAME, LiveServer

from callsheet.store.toolkit_seed import DEFAULT_SOFTWARE

TKCORE = os.environ.get("CALLSHEET_TKCORE")
BUNDLE_CACHE = os.environ.get("CALLSHEET_TK_BUNDLE_CACHE")
pytestmark = pytest.mark.skipif(
    not (TKCORE and BUNDLE_CACHE),
    reason="set CALLSHEET_TKCORE (a tk-core checkout) and CALLSHEET_TK_BUNDLE_CACHE (an offline "
    "bundle cache, docs/toolkit.md) to run Toolkit against Callsheet",
)
SESSION = Path(__file__).resolve().parent / "toolkit_session.py"


def _has_qt() -> bool:
    """tk-multi-launchapp and the other UI apps load only with PySide6 (or PySide2)."""
    import importlib.util

    return any(importlib.util.find_spec(name) for name in ("PySide6", "PySide2"))


needs_qt = pytest.mark.skipif(
    not _has_qt(), reason="Toolkit's UI apps (tk-multi-launchapp) need PySide6: pip install PySide6"
)


def _config_descriptor() -> str:
    versions = sorted((Path(BUNDLE_CACHE or "") / "app_store" / "tk-config-default2").iterdir())
    return f"sgtk:descriptor:app_store?name=tk-config-default2&version={versions[-1].name}"


@pytest.fixture(scope="module")
def production(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A project with a storage for tk-config-default2's `primary` root, a Shot and a Task."""
    sg = live.script()
    root = tmp_path_factory.mktemp("projects")
    sg.create(
        "LocalStorage",
        {
            "code": "primary",
            "linux_path": str(root),
            "mac_path": str(root),
            "windows_path": "C:\\projects",
        },
    )
    person = sg.find_one("HumanUser", [["login", "is", HUMAN_LOGIN]])
    # An artist sees the projects they are a member of, as on ShotGrid.
    project = sg.create(
        "Project", {"name": "Toolkit E2E", "tank_name": "tk_e2e", "users": [person]}
    )
    sequence = sg.create("Sequence", {"code": "sq010", "project": project})
    shot = sg.create("Shot", {"code": "sh010", "sg_sequence": sequence, "project": project})
    step = sg.find_one("Step", [["code", "is", "Comp"]])
    task = sg.create("Task", {"content": "comp", "entity": shot, "step": step, "project": project})
    return {"root": str(root), "project": project, "shot": shot, "task": task}


def run_session(
    live: LiveServer, production: dict[str, Any], home: Path, **args: Any
) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        {
            "SHOTGUN_HOME": str(home),
            "SHOTGUN_BUNDLE_CACHE_FALLBACK_PATHS": str(BUNDLE_CACHE),
            "SHOTGUN_BUNDLE_CACHE_PATH": str(home / "bundle_cache"),
            "SHOTGUN_DISABLE_APPSTORE_ACCESS": "1",
            "QT_QPA_PLATFORM": "offscreen",  # the apps need Qt (PySide6); no display here
        }
    )
    arguments = {
        "base_url": live.base_url,
        "auth": "script",
        "script_name": SCRIPT_NAME,
        "script_key": SCRIPT_KEY,
        "login": HUMAN_LOGIN,
        "password": HUMAN_PASSWORD,
        "project_id": production["project"]["id"],
        "shot_id": production["shot"]["id"],
        "task_id": production["task"]["id"],
        "projects_root": production["root"],
        "config_descriptor": _config_descriptor(),
        "context": "Project",
        **args,
    }
    done = subprocess.run(
        [sys.executable, str(SESSION), json.dumps(arguments)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    (home / "session.out").write_text(done.stdout + done.stderr)  # what Toolkit printed
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-8000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@needs_qt
def test_bootstrap_project_with_script_key_lists_default_software(
    live: LiveServer, production: dict[str, Any], tmp_path: Path
) -> None:
    result = run_session(live, production, tmp_path)
    assert result["engine"] == "tk-shell"
    assert "tk-multi-launchapp" in result["apps"], result["app_log"]
    # tk-multi-launchapp found the Software records a new site has.
    logged = " ".join(result["software_log"])
    assert all(code in logged for code, *_ in DEFAULT_SOFTWARE), result["software_log"]


def test_shot_folders_templates_publish_and_find(
    live: LiveServer, production: dict[str, Any], tmp_path: Path
) -> None:
    result = run_session(live, production, tmp_path / "a", context="Shot", folders=True)
    assert result["context_entity"]["id"] == production["shot"]["id"]
    assert {"Project", "Sequence", "Shot", "Step"} <= set(result["locations"])  # no Task folders
    assert result["work_area_exists"]
    # tk-config-default2's shot_root: sequences/{Sequence}/{Shot}/{Step} (the Step's short name;
    # the config's static `editorial` folder matches the template too)
    comp = "tk_e2e/sequences/sq010/sh010/Comp"
    assert comp in result["paths_from_template"]
    # A Step folder gives the Shot and the Step (tk-config-default2 makes no Task folders).
    assert result["context_from_path"]["entity"]["id"] == production["shot"]["id"]
    assert result["context_from_path"]["step"]["name"] == "Comp"
    assert list(result["find_publish"].values()) == [result["published"]]
    # A second machine with a fresh path cache reads the folders back from the server.
    work_area = os.path.join(production["root"], comp)
    second = run_session(
        live, production, tmp_path / "b", context="Shot", fresh_cache_path=work_area
    )
    assert second["synchronised_context"]["entity"]["id"] == production["shot"]["id"]


def test_bootstrap_shot_with_a_persons_login(
    live: LiveServer, production: dict[str, Any], tmp_path: Path
) -> None:
    result = run_session(live, production, tmp_path, auth="person", context="Shot")
    assert result["engine"] == "tk-shell"
    assert result["context_entity"]["id"] == production["shot"]["id"]
