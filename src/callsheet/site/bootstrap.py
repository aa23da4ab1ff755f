"""What a new site starts with, as a new ShotGrid site does.

The permission roles for people and scripts with their default rules, Callsheet's own script (the
actor of in-process connections), an admin person, a "Template Project", the standard pipeline
Steps and Statuses, the Software records Toolkit's launchers list (store/toolkit_seed.py), and
one Page (scripts read Pages; the official client's tests need one that has been accessed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from callsheet.site.actor import SYSTEM, Actor
from callsheet.store.toolkit_seed import DEFAULT_SOFTWARE, software_values

if TYPE_CHECKING:
    from callsheet.site.site import Site

PEOPLE_ROLES = (
    ("admin", "Admin"),
    ("manager", "Manager"),
    ("artist", "Artist"),
    ("vendor", "Vendor"),
    ("client", "Client"),
)
SCRIPT_ROLES = (("api_admin", "API Admin"), ("api_read_only", "API Read Only"))
ENGINE_SCRIPT_NAME = "callsheet"

# (code, short_name, entity_type, color); ShotGrid's default pipeline.
STEPS = (
    ("Client", "Client", "Shot", "130,130,130"),
    ("Online", "Online", "Shot", "130,130,130"),
    ("Roto", "Roto", "Shot", "175,116,202"),
    ("Paint", "Paint", "Shot", "175,116,202"),
    ("Layout", "Layout", "Shot", "212,69,115"),
    ("Animation", "Anim", "Shot", "237,109,82"),
    ("FX", "FX", "Shot", "255,181,70"),
    ("Lighting", "Light", "Shot", "255,215,85"),
    ("Comp", "Comp", "Shot", "146,208,80"),
    ("Art", "Art", "Asset", "175,116,202"),
    ("Model", "Model", "Asset", "212,69,115"),
    ("Rig", "Rig", "Asset", "237,109,82"),
    ("Surface", "Surface", "Asset", "255,181,70"),
)

# (code, name, background colour)
STATUSES = (
    ("wtg", "Waiting to Start", "194,194,194"),
    ("rdy", "Ready to Start", "255,210,0"),
    ("ip", "In Progress", "105,214,53"),
    ("rev", "Pending Review", "240,134,71"),
    ("fin", "Final", "5,160,209"),
    ("hld", "On Hold", "227,66,66"),
    ("omt", "Omit", "98,98,98"),
    ("cbb", "Could Be Better", "255,147,27"),
    ("na", "N/A", "194,194,194"),
    ("vwd", "Viewed", "194,194,194"),
    ("apr", "Approved", "105,214,53"),
    ("opn", "Open", "255,210,0"),
    ("clsd", "Closed", "98,98,98"),
    ("res", "Resolved", "5,160,209"),
    ("act", "Active", "105,214,53"),
    ("dis", "Disabled", "98,98,98"),
)


def bootstrap(site: Site) -> None:
    """Fill a brand-new site; runs once, in one transaction."""
    from callsheet.site.permissions.book import seed_default_rules

    with site.writing(SYSTEM) as ctx:
        from callsheet.site.writes import create_entity

        roles = {}
        for code, name in PEOPLE_ROLES:
            roles[name] = create_entity(
                ctx,
                "PermissionRuleSet",
                {
                    "code": code,
                    "display_name": name,
                    "entity_type": "HumanUser",
                },
            )
        for code, name in SCRIPT_ROLES:
            roles[name] = create_entity(
                ctx,
                "PermissionRuleSet",
                {
                    "code": code,
                    "display_name": name,
                    "entity_type": "ApiUser",
                },
            )
        seed_default_rules(ctx.conn, roles)
        script_id = create_entity(
            ctx,
            "ApiUser",
            {
                "firstname": ENGINE_SCRIPT_NAME,
                "description": "Callsheet's own script: the actor of in-process connections.",
                "permission_rule_set": {"type": "PermissionRuleSet", "id": roles["API Admin"]},
            },
        )
        ctx.actor = Actor("ApiUser", script_id, ENGINE_SCRIPT_NAME)
        ctx.events.user = ctx.actor_ref
        create_entity(
            ctx,
            "HumanUser",
            {
                "login": "admin",
                "name": "Admin",
                "sg_status_list": "act",
                "permission_rule_set": {"type": "PermissionRuleSet", "id": roles["Admin"]},
            },
        )
        project_id = create_entity(
            ctx,
            "Project",
            {
                "name": "Template Project",
                "is_template": True,
                "sg_status": "Active",
            },
        )
        for code, short_name, entity_type, color in STEPS:
            create_entity(
                ctx,
                "Step",
                {
                    "code": code,
                    "short_name": short_name,
                    "entity_type": entity_type,
                    "color": color,
                },
            )
        for code, name, color in STATUSES:
            create_entity(ctx, "Status", {"code": code, "name": name, "bg_color": color})
        for software in DEFAULT_SOFTWARE:
            create_entity(ctx, "Software", software_values(*software))
        create_entity(
            ctx,
            "Page",
            {
                "name": "Shots",
                "entity_type": "Shot",
                "page_type": "project_overview",
                "project": {"type": "Project", "id": project_id},
                "last_accessed": ctx.now,
            },
        )


def engine_script_id(site: Site) -> int:
    """The id of Callsheet's own script."""
    record = site.find_one(
        SYSTEM, "ApiUser", [["firstname", "is", ENGINE_SCRIPT_NAME]], order=[{"field_name": "id"}]
    )
    if record is None:
        raise RuntimeError("This site has no Callsheet script; it was not bootstrapped.")
    return int(record["id"])
