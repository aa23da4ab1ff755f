"""Imports follow DESIGN.md's direction: the engine never knows HTTP, the store not the site."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "callsheet"

# room -> rooms of ours it may import (faults is importable by everyone)
ALLOWED = {
    "faults": set(),
    "schema": {"schema", "faults"},
    "store": {"store", "schema", "faults"},
    "files": {"files", "faults"},
    "site": {"site", "store", "schema", "files", "faults"},
    "server": {"server", "site", "files", "faults", "schema", "client"},
    "daemon": {"daemon", "faults"},
    "transfer": {"transfer", "site", "store", "schema", "files", "faults"},
}
FORBIDDEN_EVERYWHERE_BUT_SERVER = ("starlette", "uvicorn")


def _room(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else relative.stem


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _room(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_allowed_rooms(path: Path) -> None:
    room = _room(path)
    for name in _imports(path):
        if name.startswith("callsheet."):
            target = name.split(".")[1]
            assert target in ALLOWED[room], f"{path.name} ({room}/) imports {name}"
        if room != "server":
            forbidden = name.startswith(FORBIDDEN_EVERYWHERE_BUT_SERVER)
            assert not forbidden, f"{path.name} imports {name}"


# Issue 10 §3 (DESIGN.md's rooms): the server reaches the database only through the site, and
# the site keeps its SQL in store/ modules.
@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if _room(p) in ("server", "site")],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_server_never_reaches_the_store_and_site_keeps_sql_in_store(path: Path) -> None:
    name = str(path.relative_to(PACKAGE))
    imports = _imports(path)
    if _room(path) == "server":
        reaching = [i for i in imports if i.startswith(("callsheet.store", "sqlalchemy"))]
        assert not reaching, f"{name} imports {reaching}: ask the site instead"
    if _room(path) == "site":
        sql = [i for i in imports if i.startswith("sqlalchemy")]
        assert not sql, f"{name} imports {sql}: put its SQL in a store/ module"
