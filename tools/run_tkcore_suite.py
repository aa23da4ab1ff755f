"""Run tk-core's own unit tests with Callsheet in mockgun's place, and compare with mockgun's run.

Usage:
    python tools/run_tkcore_suite.py /path/to/tk-core [--out DIR] [--baseline FILE] [TEST ...]

It fetches nothing: give it a tk-core checkout (github.com/shotgunsoftware/tk-core). It runs
tk-core's `tests/run_tests.py` twice in child processes, once as published (mockgun) and once
with `shotgun_api3.lib.mockgun.Shotgun` replaced by `callsheet.mockgun.Shotgun` (TankTestBase
builds its site from that class and wedges fixtures in with `_db[type][id] = record`), records
every test's outcome, and prints the tests that pass on mockgun and not on Callsheet. Those that
fail only because mockgun is wrong about ShotGrid are listed in MOCKGUN_WRONG (and in
docs/toolkit.md); any other one makes the exit status 1. `--baseline` reuses a saved mockgun run.
TEST names are tk-core's (`core_tests/test_context.py`, `folder_tests`, `module.Class.test`).
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import json
import os
import re
import runpy
import subprocess
import sys
import tempfile
import unittest
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Tests that pass on mockgun and fail on Callsheet because mockgun does what ShotGrid does not.
# test id -> why (keep docs/toolkit.md in step).
_DANGLING = (
    "links to a record that does not exist: mockgun takes dangling links, ShotGrid refuses them"
)
_NO_TYPE = "links a FilesystemLocation to entity types that do not exist (EntityType, ...)"
_NO_FIELD = "$FROM$Task.alt_step_link.entity names a field the schema lacks: mockgun ignores $FROM$"
_LIST = (
    "writes sg_asset_type values outside the field's valid values: refused, so the value is dropped"
)
_ALIASED = (
    "changes a fixture by changing the dict it wedged into mockgun's _db after the insert: "
    "mockgun keeps the test's dict itself, a server keeps what was written"
)
_FROM_IGNORED = (
    "expects a Step folder no Task links to the Shot: the config limits Steps with "
    "$FROM$Task.step.entity, which mockgun skips"
)
_UNKNOWN_FIELD = (
    "reads Shot.extra_field, a field the schema lacks that the fixture writes: mockgun stores "
    "unknown fields, ShotGrid refuses them (the wedged value is dropped)"
)
MOCKGUN_WRONG: dict[str, str] = {
    "bootstrap_tests.test_resolver.TestResolveWithFilter.test_resolve_by_name": (
        "two HumanUsers with the login john.doe: logins are unique"
    ),
    "core_tests.test_pipelineconfig_factory.TestTankFromEntity.test_bad_entity": (
        "asks HumanUser for `project`, a field it lacks: ShotGrid leaves unknown return fields "
        "out, mockgun answers None (tk-core's entity_data['project'] then raises KeyError)"
    ),
    "commands_tests.test_project_wizard.TestSetupProjectWizard."
    "test_default_configuration_location_with_existing_pipeline_configuration": (
        "['code', 'is', 'primary'] is case-sensitive on mockgun only, so TankTestBase's own "
        "'Primary' configuration matches too, made in the same second as the test's (ShotGrid "
        "keeps whole seconds): which is latest by created_at is a tie"
    ),
    **dict.fromkeys(
        [
            "core_tests.test_context.TestAsTemplateFields.test_template_query_none",
            "core_tests.test_context.TestFromEntity.test_task_from_sg",
            "folder_tests.test_create_folders.TestFolderCreationEdgeCases."
            "test_delete_shot_then_recreate",
            "folder_tests.test_create_folders.TestFolderCreationEdgeCases."
            "test_rename_shot_but_keep_on_disk",
            "folder_tests.test_create_folders.TestSchemaCreateFolders.test_unicode",
            "folder_tests.test_create_folders.TestSchemaCreateFolders.test_white_space",
            "folder_tests.test_create_folders.TestSchemaCreateFoldersMultiLevelProjectRoot."
            "test_unicode",
            "folder_tests.test_create_folders.TestSchemaCreateFoldersMultiLevelProjectRoot."
            "test_white_space",
            "folder_tests.test_optional_fields.TestSchemaCreateFoldersSecondaryEntity."
            "test_other_isnt_none",
        ],
        _ALIASED,
    ),
    **dict.fromkeys(
        [
            "core_tests.test_context.TestAsTemplateFields.test_query_cached",
            "core_tests.test_context.TestAsTemplateFields.test_query_from_template",
        ],
        _UNKNOWN_FIELD,
    ),
    "folder_tests.test_create_folders.TestSchemaCreateFoldersMultiRoot.test_shot": _FROM_IGNORED,
    **dict.fromkeys(
        [
            "core_tests.test_path_cache.TestAddMapping.test_add_utf_name",
            "core_tests.test_path_cache.TestAddMapping.test_is_path_in_db",
            "core_tests.test_path_cache.TestGetPaths.test_add_and_find_shot",
            "core_tests.test_path_cache.TestShotgunSync.test_multiple_projects_eventlog",
            "util_tests.test_publish.TestShotgunRegisterPublish.test_no_thumbnail_skips_upload",
            "util_tests.test_publish.TestShotgunRegisterPublish.test_sequence_abstracted_path",
            "util_tests.test_publish.TestShotgunRegisterPublish.test_publish_errors",
        ],
        _DANGLING,
    ),
    **dict.fromkeys(
        [
            "core_tests.test_path_cache.TestAddMapping.test_dupe_failure",
            "core_tests.test_path_cache.TestAddMapping.test_multi_entity_path",
            "core_tests.test_path_cache.TestAddMapping.test_non_primary_path",
            "core_tests.test_path_cache.TestAddMapping.test_primary_path",
            "core_tests.test_path_cache.TestGetEntity.test_non_project_alternate",
            "core_tests.test_path_cache.TestGetEntity.test_non_project_primary_path",
        ],
        _NO_TYPE,
    ),
    **dict.fromkeys(
        [
            "folder_tests.test_step_node.TestSchemaCreateFoldersCustomStep.test_shot",
            "folder_tests.test_step_node.TestSchemaCreateFoldersCustomStep.test_step_a",
            "folder_tests.test_step_node.TestSchemaCreateFoldersCustomStep.test_step_b",
        ],
        _NO_FIELD,
    ),
    **dict.fromkeys(
        [
            "core_tests.test_root.TestGetPrimaryRoot.test_alt_path",
            "core_tests.test_root.TestGetPrimaryRoot.test_non_project_path",
            "core_tests.test_root.TestGetPrimaryRoot.test_primary",
            "folder_tests.test_create_folders.TestSchemaCreateFoldersWorkspaces.test_asset",
            "folder_tests.test_create_folders.TestCreateFilesystemStructure.test_create_asset",
            "folder_tests.test_create_folders.TestSchemaCreateFolders.test_asset",
            "folder_tests.test_create_folders.TestSchemaCreateFoldersMultiLevelProjectRoot.test_asset",
            "folder_tests.test_create_folders.TestSchemaCreateFoldersMultiRoot.test_asset",
            "folder_tests.test_deferred.TestDeferredFolderCreation.test_asset",
            "folder_tests.test_deferred.TestDeferredFolderCreation.test_list_field",
            "folder_tests.test_symlinks.TestSymlinks.test_list_field_token",
        ],
        _LIST,
    ),
}

OUTCOMES = ("passed", "failed", "error", "skipped", "expected_failure", "unexpected_success")


def _recording_runner(out_path: str) -> type[unittest.TextTestRunner]:
    """A TextTestRunner whose run also writes {test id: outcome} to `out_path`."""

    class RecordingResult(unittest.TextTestResult):
        outcomes: dict[str, str]

        def startTestRun(self) -> None:
            self.outcomes = {}
            super().startTestRun()

        def addSuccess(self, test: unittest.TestCase) -> None:
            self.outcomes[test.id()] = "passed"
            super().addSuccess(test)

        def addFailure(self, test, err) -> None:  # type: ignore[no-untyped-def]
            self.outcomes[test.id()] = "failed"
            super().addFailure(test, err)

        def addError(self, test, err) -> None:  # type: ignore[no-untyped-def]
            self.outcomes[test.id()] = "error"
            super().addError(test, err)

        def addSkip(self, test, reason) -> None:  # type: ignore[no-untyped-def]
            self.outcomes[test.id()] = "skipped"
            super().addSkip(test, reason)

        def addExpectedFailure(self, test, err) -> None:  # type: ignore[no-untyped-def]
            self.outcomes[test.id()] = "expected_failure"
            super().addExpectedFailure(test, err)

        def addUnexpectedSuccess(self, test) -> None:  # type: ignore[no-untyped-def]
            self.outcomes[test.id()] = "unexpected_success"
            super().addUnexpectedSuccess(test)

        def stopTestRun(self) -> None:
            super().stopTestRun()
            Path(out_path).write_text(json.dumps(self.outcomes, indent=1, sort_keys=True))

    class RecordingRunner(unittest.TextTestRunner):
        resultclass = RecordingResult

    return RecordingRunner


def _swap_mockgun(tkcore: Path) -> None:
    """Put callsheet.mockgun.Shotgun where TankTestBase (and tests' mock.patch) look for it."""
    sys.path.insert(0, str(tkcore / "python"))
    import tank_vendor  # noqa: F401  (loads tk-core's own third-party packages first)
    from tank_vendor.shotgun_api3.lib import mockgun

    from callsheet import mockgun as callsheet_mockgun

    mockgun.Shotgun = callsheet_mockgun.Shotgun  # type: ignore[misc]
    inner = sys.modules.get(mockgun.__name__ + ".mockgun")
    if inner is not None:
        inner.Shotgun = callsheet_mockgun.Shotgun  # type: ignore[attr-defined]
    # Anything that imported mockgun under the tank_vendor name sees the same module objects.


# tk-core's TankTestBase writes the project's folder (a FilesystemLocation whose `path` is a local
# file link) before it adds the LocalStorage holding it. ShotGrid resolves a local path against the
# site's storages when it is written, and Callsheet refuses one under no storage; mockgun stores
# anything. So on Callsheet the runner adds TankTestBase's own primary storage (the record its
# setUp adds a few lines later, same id and paths) before the first folder is written, and
# forgets the previous test's current user first (see add_production_path below).
PRIMARY_STORAGE_ID = 7777


def _storage_first(tank_test_base: Any) -> None:
    base = tank_test_base.TankTestBase
    original = base.add_production_path

    def add_production_path(self: Any, path: str, entity: Any) -> Any:
        storages = self.mockgun._db["LocalStorage"]
        if PRIMARY_STORAGE_ID not in storages and not hasattr(self, "primary_storage"):
            # Still in setUp: TankTestBase forgets the previous test's current user only after
            # this first folder is written, so the folder's created_by would name a HumanUser of
            # the previous test's site (mockgun takes links to records that do not exist).
            import tank.util.login

            tank.util.login.g_shotgun_current_user_cache = "unknown"
            storages[PRIMARY_STORAGE_ID] = {
                "type": "LocalStorage",
                "id": PRIMARY_STORAGE_ID,
                "code": self.primary_root_name,
                "windows_path": self.tank_temp,
                "linux_path": self.tank_temp,
                "mac_path": self.tank_temp,
            }
        return original(self, path, entity)

    base.add_production_path = add_production_path


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Runs `patch(module)` once `name` is imported (tk-core's run_tests.py refuses to start
    when Toolkit was imported before it, so TankTestBase cannot be imported up front)."""

    def __init__(self, name: str, patch: Callable[[Any], None]) -> None:
        self.name, self.patch = name, patch

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader, patch = spec.loader, self.patch

        class PatchingLoader(importlib.abc.Loader):
            def create_module(self, spec: Any) -> Any:
                return loader.create_module(spec)

            def exec_module(self, module: Any) -> None:
                loader.exec_module(module)
                patch(module)

        spec.loader = PatchingLoader()
        return spec


def child(engine: str, tkcore: Path, out_path: str, tests: list[str]) -> int:
    """In this process: run tk-core's suite on `engine` ("mockgun" or "callsheet")."""
    if engine == "callsheet":
        _swap_mockgun(tkcore)
        sys.meta_path.insert(0, _PatchAfterImport("tank_test.tank_test_base", _storage_first))
    unittest.TextTestRunner = _recording_runner(out_path)  # type: ignore[misc]
    os.chdir(tkcore / "tests")
    sys.argv = [str(tkcore / "tests" / "run_tests.py"), *tests]
    try:
        runpy.run_path(str(tkcore / "tests" / "run_tests.py"), run_name="__main__")
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def run_child(engine: str, tkcore: Path, out_dir: Path, tests: list[str]) -> dict[str, str]:
    out_path = out_dir / f"{engine}.json"
    log_path = out_dir / f"{engine}.log"
    command = [sys.executable, __file__, "--child", engine, str(tkcore), str(out_path), *tests]
    print(f"running tk-core's suite on {engine} (log: {log_path}) ...", flush=True)
    with open(log_path, "w") as log:
        subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    if not out_path.exists():
        raise SystemExit(f"the {engine} run recorded no outcome; see {log_path}")
    return json.loads(out_path.read_text())  # type: ignore[no-any-return]


def failure_lines(log_path: Path) -> dict[str, str]:
    """test id -> the last exception line of its traceback in a run's log."""
    found: dict[str, str] = {}
    if not log_path.exists():
        return found
    current, last = None, ""
    for line in log_path.read_text(errors="replace").splitlines():
        header = re.match(r"^(?:ERROR|FAIL): \S+ \((\S+)\)", line)
        if header:
            if current:
                found[current] = last
            current, last = header.group(1), ""
        elif current and re.match(r"^[A-Za-z_][\w.]*(Error|Fault|Exception|Failure)\b", line):
            last = line[:240]
        elif current and line.startswith("Ran "):
            found[current] = last
            current = None
    if current:
        found[current] = last
    return found


def compare(
    mockgun: dict[str, str], callsheet: dict[str, str], reasons: dict[str, str] | None = None
) -> int:
    """Print the comparison; 1 when a test passing on mockgun fails on Callsheet unexplained."""
    passing = {t for t, o in mockgun.items() if o == "passed"}
    lost = sorted(t for t in passing if callsheet.get(t) != "passed")
    gained = sorted(t for t, o in callsheet.items() if o == "passed" and mockgun.get(t) != "passed")
    unexplained = [t for t in lost if t not in MOCKGUN_WRONG]
    for name, outcomes in (("mockgun", mockgun), ("callsheet", callsheet)):
        counts = {o: sum(1 for v in outcomes.values() if v == o) for o in OUTCOMES}
        shown = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
        print(f"{name:>9}: {len(outcomes)} tests: {shown}")
    print(
        f"passing on mockgun: {len(passing)}; of those passing on Callsheet too: "
        f"{len(passing) - len(lost)}"
    )
    for test in lost:
        reason = MOCKGUN_WRONG.get(test)
        print(
            f"  not on Callsheet ({callsheet.get(test, 'not run')}): {test}"
            + (f"  [mockgun is wrong: {reason}]" if reason else "")
        )
        if not reason and reasons and reasons.get(test):
            print(f"      {reasons[test]}")
    for test in gained:
        print(f"  passes on Callsheet only: {test}")
    print(f"{len(passing) - len(lost)} passed, {len(unexplained)} failed")
    return 1 if unexplained else 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        engine, tkcore, out_path, *tests = sys.argv[2:]
        return child(engine, Path(tkcore).resolve(), out_path, tests)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tkcore", type=Path, help="a tk-core checkout")
    parser.add_argument("tests", nargs="*", help="tk-core test names (default: all)")
    parser.add_argument("--out", type=Path, help="folder for the logs and outcomes")
    parser.add_argument("--baseline", type=Path, help="a saved mockgun.json to compare with")
    args = parser.parse_intermixed_args()
    tkcore = args.tkcore.resolve()
    if not (tkcore / "tests" / "run_tests.py").exists():
        parser.error(f"{tkcore} is not a tk-core checkout (no tests/run_tests.py)")
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="tkcore_suite_"))
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.baseline:
        mockgun = json.loads(args.baseline.read_text())
    else:
        mockgun = run_child("mockgun", tkcore, out_dir, args.tests)
    callsheet = run_child("callsheet", tkcore, out_dir, args.tests)
    if args.tests and args.baseline:
        mockgun = {t: o for t, o in mockgun.items() if t in callsheet}
    return compare(mockgun, callsheet, failure_lines(out_dir / "callsheet.log"))


if __name__ == "__main__":
    sys.exit(main())
