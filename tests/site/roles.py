"""Permission roles for tests: the PermissionRuleSet link of a default role, by code."""

from __future__ import annotations

from typing import Any


def role(sg: Any, code: str) -> dict[str, Any]:
    """The PermissionRuleSet of a default role (admin, manager, artist, vendor, client, ...)."""
    found = sg.find_one("PermissionRuleSet", [["code", "is", code]])
    assert found is not None, f"no role {code!r}"
    return {"type": "PermissionRuleSet", "id": found["id"]}


def manager_role(sg: Any) -> dict[str, Any]:
    """A people role that may create and edit on every project (people without one are
    Artists, who see only their projects and create only their own work)."""
    return role(sg, "manager")
