"""Rules as data: the default roles, export and import (YAML and JSON), copy, the CLI, caching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from roles import role

import callsheet
from callsheet.cli import main
from callsheet.client import Shotgun
from callsheet.faults import PermissionFault, ValueFault
from callsheet.site.permissions import (
    RoleRules,
    copy_role,
    export_rules,
    import_rules,
    roles,
)
from callsheet.site.permissions import book as rule_book
from callsheet.site.permissions.defaults import DEFAULT_ROLES
from callsheet.store import roles as role_rows

DEFAULT_NAMES = ["Admin", "Manager", "Artist", "Vendor", "Client", "API Admin", "API Read Only"]


def test_new_site_has_the_default_roles_with_their_rules(sg: Shotgun) -> None:
    found = roles(sg.site)
    assert list(found) == DEFAULT_NAMES
    for name, (_, rules) in found.items():
        assert rules == RoleRules.from_data(name, DEFAULT_ROLES[name])
    stored = role_rows.rules_documents(sg.site.store)
    assert set(stored) == {role_id for role_id, _ in found.values()}


def test_default_rules_round_trip_through_their_data() -> None:
    for name, data in DEFAULT_ROLES.items():
        rules = RoleRules.from_data(name, data)
        assert RoleRules.from_data(name, rules.to_data()) == rules


def test_export_then_import_changes_nothing(sg: Shotgun) -> None:
    document = export_rules(sg.site)
    assert document["format"] == "callsheet-permissions/1"
    text = yaml.safe_dump(document, sort_keys=False)
    assert import_rules(sg.site, sg.actor, yaml.safe_load(text)) == list(document["roles"])
    assert export_rules(sg.site) == document


def test_import_new_role_then_give_it_to_a_person(sg: Shotgun, project: dict) -> None:
    document = {
        "roles": {
            "Lighter": {
                "for": "people",
                "see_assigned_projects_only": True,
                "entities": {
                    "*": {"see": True, "create": False, "update": False, "retire": False},
                    "Shot": {"update": {"when": [["sg_status_list", "is", "ip"]]}},
                },
                "fields": {"Shot.description": {"see": False}},
            }
        }
    }
    import_rules(sg.site, sg.actor, document)
    lighter = sg.find_one("PermissionRuleSet", [["display_name", "is", "Lighter"]], ["code"])
    assert lighter["code"] == "lighter"
    user = sg.create("HumanUser", {"login": "li", "name": "Li Ght", "permission_rule_set": lighter})
    sg.update("Project", project["id"], {"users": [user]})
    shot = sg.create("Shot", {"code": "s", "project": project, "description": "d"})
    busy = sg.create("Shot", {"code": "b", "project": project, "sg_status_list": "ip"})
    person = Shotgun(sg.site, sg.site.actor_for("HumanUser", user["id"]), owns_site=False)
    assert person.find_one("Shot", [["id", "is", shot["id"]]], ["description"]) == {
        "type": "Shot",
        "id": shot["id"],
    }
    assert person.update("Shot", busy["id"], {"code": "b2"})["code"] == "b2"
    with pytest.raises(PermissionFault, match="ALLOW only where"):
        person.update("Shot", shot["id"], {"code": "s2"})


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        ({"roles": {"X": {"entities": {"NoSuchType": True}}}}, "NoSuchType"),
        ({"roles": {"X": {"fields": {"Shot.no_such_field": {"see": False}}}}}, "no_such_field"),
        (
            {"roles": {"X": {"entities": {"Shot": {"see": {"when": [["code", "bogus", 1]]}}}}}},
            "bogus",
        ),
        ({"roles": {"X": {"entities": {"Shot": {"fly": True}}}}}, "unknown actions"),
        ({"roles": {"X": {"for": "robots"}}}, "people or scripts"),
        ({"roles": {"X": {"admin": "yes"}}}, "admin must be true or false"),
        ({"nothing": 1}, "'roles' mapping"),
    ],
)
def test_import_bad_document_is_fault_and_writes_nothing(
    sg: Shotgun, document: dict, needle: str
) -> None:
    before = export_rules(sg.site)
    with pytest.raises(ValueFault, match=needle):
        import_rules(sg.site, sg.actor, document)
    assert export_rules(sg.site) == before


def test_import_and_copy_are_for_admins_only(sg: Shotgun, database_url: str) -> None:
    manager_role = role(sg, "manager")
    sg.create("HumanUser", {"login": "mgr", "name": "Mgr", "permission_rule_set": manager_role})
    manager = callsheet.connect(database_url, as_user="mgr")
    try:
        with pytest.raises(PermissionFault, match="only be changed by admins"):
            import_rules(manager.site, manager.actor, export_rules(manager.site))
        with pytest.raises(PermissionFault):
            copy_role(manager.site, manager.actor, "Artist", "Sneaky")
    finally:
        manager.close()


def test_copy_role_makes_a_new_role_with_the_same_rules(sg: Shotgun) -> None:
    copied = copy_role(sg.site, sg.actor, "artist", "Senior Artist")
    found = roles(sg.site)
    assert found["Senior Artist"][1] == copied
    original = found["Artist"][1]
    assert copied.entities == original.entities and copied.code == "senior_artist"
    with pytest.raises(ValueFault, match="already exists"):
        copy_role(sg.site, sg.actor, "Artist", "senior artist")
    with pytest.raises(ValueFault, match="No role"):
        copy_role(sg.site, sg.actor, "Nobody", "Other")


def test_rules_changed_by_another_process_apply_after_revalidation(
    sg: Shotgun, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = sg.create(
        "HumanUser", {"login": "cl", "name": "Cli Ent", "permission_rule_set": role(sg, "client")}
    )
    person = Shotgun(sg.site, sg.site.actor_for("HumanUser", user["id"]), owns_site=False)
    assert not person.site.permissions_for(person.actor).may("Note", "create")
    other = callsheet.connect(database_url)  # another Site object: its own cache, as a process
    try:
        document = export_rules(other.site)
        document["roles"] = {"Client": document["roles"]["Client"]}
        document["roles"]["Client"]["entities"]["Note"] = {"create": True}
        import_rules(other.site, other.actor, document)
    finally:
        other.close()
    monkeypatch.setattr(rule_book, "REVALIDATE_S", 0.0)
    assert person.site.permissions_for(person.actor).may("Note", "create")


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, sqlite_template: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "callsheet.sqlite3").write_bytes(sqlite_template.read_bytes())
    return folder


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_cli_export_edit_import_round_trip(data_dir: Path, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"rules.{suffix}"
    run("permissions", "export", str(path), "--data", str(data_dir))
    text = path.read_text()
    document = json.loads(text) if suffix == "json" else yaml.safe_load(text)
    assert set(document["roles"]) == set(DEFAULT_NAMES)
    document["roles"]["Artist"]["entities"]["Shot"] = {"create": True}
    path.write_text(json.dumps(document) if suffix == "json" else yaml.safe_dump(document))
    assert "Imported the rules of 7 roles" in run(
        "permissions", "import", str(path), "--data", str(data_dir)
    )
    exported = run("permissions", "export", "-", "--format", "yaml", "--data", str(data_dir))
    assert yaml.safe_load(exported)["roles"]["Artist"]["entities"]["Shot"] == {"create": True}


def test_cli_copy_and_list(data_dir: Path) -> None:
    assert "a copy of 'Artist'" in run(
        "permissions", "copy", "Artist", "Compositor", "--data", str(data_dir)
    )
    listing = run("permissions", "list", "--data", str(data_dir))
    assert "Compositor" in listing and "API Read Only" in listing
    run(
        "user",
        "create",
        "comp",
        "--name",
        "Com Positor",
        "--password",
        "pw",
        "--permission-group",
        "Compositor",
        "--data",
        str(data_dir),
    )


def test_cli_import_bad_file_is_a_clean_error(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("roles:\n  X:\n    entities:\n      NoSuchType: true\n")
    result = CliRunner().invoke(main, ["permissions", "import", str(path), "--data", str(data_dir)])
    assert result.exit_code != 0 and "NoSuchType" in result.output
    assert "Traceback" not in result.output


def test_script_role_assigned_projects_only_uses_api_user_projects(
    sg: Shotgun, project: dict
) -> None:
    other = sg.create("Project", {"name": "Other"})
    document = {
        "roles": {
            "Farm": {
                "for": "scripts",
                "see_assigned_projects_only": True,
                "entities": {"*": {"see": True, "create": False, "update": False, "retire": False}},
            }
        }
    }
    import_rules(sg.site, sg.actor, document)
    farm_role = sg.find_one("PermissionRuleSet", [["display_name", "is", "Farm"]])
    script = sg.create(
        "ApiUser", {"firstname": "farm", "permission_rule_set": farm_role, "projects": [project]}
    )
    farm = Shotgun(sg.site, sg.site.actor_for("ApiUser", script["id"]), owns_site=False)
    assert {p["id"] for p in farm.find("Project", [])} == {project["id"]}
    sg.update("ApiUser", script["id"], {"projects": [other]})
    assert {p["id"] for p in farm.find("Project", [])} == {other["id"]}


def test_create_of_a_type_the_role_may_not_see_returns_only_its_id(
    sg: Shotgun, project: dict
) -> None:
    document = {
        "roles": {
            "Drop Box": {
                "for": "people",
                "entities": {
                    "*": {"see": True, "create": False, "update": False, "retire": False},
                    "Ticket": {"see": False, "create": True},
                },
            }
        }
    }
    import_rules(sg.site, sg.actor, document)
    drop = sg.find_one("PermissionRuleSet", [["display_name", "is", "Drop Box"]])
    user = sg.create("HumanUser", {"login": "drop", "name": "Drop", "permission_rule_set": drop})
    person = Shotgun(sg.site, sg.site.actor_for("HumanUser", user["id"]), owns_site=False)
    made = person.create("Ticket", {"title": "help", "project": project}, ["title"])
    assert made == {"type": "Ticket", "id": made["id"]}
    assert sg.find_one("Ticket", [["id", "is", made["id"]]], ["title"])["title"] == "help"
    with pytest.raises(PermissionFault, match="Entity of type Ticket can not be accessed"):
        person.find("Ticket", [])
