"""A small studio for permission tests: two projects, one person per role, linked work.

Project "Open" has every person below as a member; project "Closed" has none of them. Each
project holds a Sequence, a Shot in it, an Asset, a Task on the Shot, a Version of the Shot and a
Note on it. In "Open", the Task is assigned to the artist and the vendor, and the vendor wrote
one Version. A Version of "Open" also links to the Shot of "Closed" (a cross-project link), so
deep links through a hidden project can be read.

People act through `World.as_role(code)`: an in-process Shotgun on the same Site (and so the same
permission cache) acting as that person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from roles import role

from callsheet.client import Shotgun
from callsheet.site.actor import Actor

PEOPLE = ("admin", "manager", "artist", "vendor", "client")
SCRIPTS = ("api_read_only",)


@dataclass
class World:
    sg: Shotgun  # Callsheet's own script (API Admin)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    scripts: dict[str, dict[str, Any]] = field(default_factory=dict)
    open: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed: dict[str, dict[str, Any]] = field(default_factory=dict)
    cross_version: dict[str, Any] = field(default_factory=dict)
    vendor_version: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Shotgun] = field(default_factory=dict)
    snapshot: Callable[[], dict[str, Any]] = dict  # row counts of every table (tests/site)

    def as_role(self, code: str) -> Shotgun:
        """An in-process Shotgun on the same site, acting as the person or script of `code`."""
        if code not in self.clients:
            user = self.people.get(code) or self.scripts[code]
            actor = self.sg.site.actor_for(user["type"], user["id"])
            self.clients[code] = Shotgun(self.sg.site, actor, owns_site=False)
        return self.clients[code]

    def actor(self, code: str) -> Actor:
        return self.as_role(code).actor

    def ids(self, which: str, entity_type: str) -> set[int]:
        """The id of `entity_type` made in project "open" or "closed"."""
        return {getattr(self, which)[entity_type]["id"]}


def build_world(sg: Shotgun) -> World:
    world = World(sg)
    for code in PEOPLE:
        world.people[code] = sg.create(
            "HumanUser",
            {
                "login": f"{code}_person" if code == "admin" else code,
                "name": f"{code.title()} Person",
                "sg_status_list": "act",
                "permission_rule_set": role(sg, code),
            },
        )
    for code in SCRIPTS:
        world.scripts[code] = sg.create(
            "ApiUser", {"firstname": code, "permission_rule_set": role(sg, code)}
        )
    members = [world.people[code] for code in PEOPLE]
    for which, users in (("open", members), ("closed", [])):
        made = getattr(world, which)
        project = made["Project"] = sg.create("Project", {"name": which.title(), "users": users})
        made["Sequence"] = sg.create("Sequence", {"code": f"{which}_seq", "project": project})
        made["Shot"] = sg.create(
            "Shot",
            {"code": f"{which}_shot", "project": project, "sg_sequence": made["Sequence"]},
        )
        made["Asset"] = sg.create("Asset", {"code": f"{which}_asset", "project": project})
        assignees = [world.people["artist"], world.people["vendor"]] if which == "open" else []
        made["Task"] = sg.create(
            "Task",
            {
                "content": f"{which}_task",
                "project": project,
                "entity": made["Shot"],
                "task_assignees": assignees,
            },
        )
        made["Version"] = sg.create(
            "Version", {"code": f"{which}_version", "project": project, "entity": made["Shot"]}
        )
        made["Note"] = sg.create(
            "Note",
            {"subject": f"{which}_note", "project": project, "note_links": [made["Shot"]]},
        )
    world.cross_version = sg.create(
        "Version",
        {"code": "cross_version", "project": world.open["Project"], "entity": world.closed["Shot"]},
    )
    world.vendor_version = world.as_role("vendor").create(
        "Version",
        {"code": "vendor_version", "project": world.open["Project"], "entity": world.open["Shot"]},
    )
    return world
