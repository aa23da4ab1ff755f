"""Creating and listing scripts (ApiUser) and people (HumanUser): `callsheet script|user`."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa

from callsheet.faults import ValueFault
from callsheet.site.actor import Actor
from callsheet.site.auth import new_script_key, set_script_key
from callsheet.site.bootstrap import engine_script_id
from callsheet.site.site import Site

DEFAULT_SCRIPT_ROLE = "API Admin"
DEFAULT_PERSON_ROLE = "Artist"
FIRST_ADMIN_LOGIN = "admin"


def admin_actor(site: Site) -> Actor:
    """Callsheet's own script: the actor of command-line administration."""
    return site.actor_for("ApiUser", engine_script_id(site))


def role_link(site: Site, name: str, entity_type: str) -> dict[str, Any]:
    """The PermissionRuleSet for people (HumanUser) or scripts (ApiUser) with this name."""
    actor = admin_actor(site)
    roles = site.find(
        actor,
        "PermissionRuleSet",
        [["entity_type", "is", entity_type]],
        ["display_name", "code"],
    )
    for role in roles:
        if name.lower() in (str(role.get("display_name")).lower(), str(role.get("code")).lower()):
            return {"type": "PermissionRuleSet", "id": role["id"]}
    names = ", ".join(sorted(str(r.get("display_name")) for r in roles))
    raise ValueFault(f"No permission group {name!r} for {entity_type}; choose one of: {names}.")


def create_script(
    site: Site, name: str, key: str | None = None, permission_group: str = DEFAULT_SCRIPT_ROLE
) -> tuple[dict[str, Any], str]:
    """A new ApiUser and its key (generated when not given); the key is stored hashed."""
    if not name:
        raise ValueFault("A script needs a name.")
    actor = admin_actor(site)
    if site.find_one(actor, "ApiUser", [["firstname", "is", name]]) is not None:
        raise ValueFault(f"A script named {name!r} already exists.")
    key = key or new_script_key()
    script = site.create(
        actor,
        "ApiUser",
        {"firstname": name, "permission_rule_set": role_link(site, permission_group, "ApiUser")},
        ["firstname", "permission_rule_set"],
    )
    set_script_key(site, script["id"], key)
    return script, key


def create_user(
    site: Site,
    login: str,
    name: str,
    password: str,
    permission_group: str = DEFAULT_PERSON_ROLE,
    email: str | None = None,
) -> dict[str, Any]:
    """A new active HumanUser whose password is `password` (argon2-hashed by password_proxy)."""
    if not login or not password:
        raise ValueFault("A person needs a login and a password.")
    first, _, last = name.strip().partition(" ")
    data: dict[str, Any] = {
        "login": login,
        "name": name,
        "firstname": first,
        "lastname": last,
        "password_proxy": password,
        "sg_status_list": "act",
        "permission_rule_set": role_link(site, permission_group, "HumanUser"),
    }
    if email:
        data["email"] = email
    return site.create(admin_actor(site), "HumanUser", data, ["login", "name"])


def set_password(site: Site, login: str, password: str) -> dict[str, Any]:
    """Give a person a new password (argon2-hashed by password_proxy)."""
    if not password:
        raise ValueFault("A password must not be empty.")
    actor = admin_actor(site)
    person = site.find_one(actor, "HumanUser", [["login", "is", login]])
    if person is None:
        raise ValueFault(f"No person with the login {login!r}.")
    return site.update(actor, "HumanUser", person["id"], {"password_proxy": password})


def first_admin_password(site: Site) -> str | None:
    """On a new site, give the `admin` person a random password and return it (shown once).

    None when `admin` has a password already (or is gone): nothing is printed twice.
    """
    table = site.store.table("HumanUser")
    with site.store.read() as conn:
        row = conn.execute(
            sa.select(table.c.password_proxy).where(table.c.login == FIRST_ADMIN_LOGIN)
        ).first()
    if row is None or row[0]:
        return None
    password = secrets.token_urlsafe(12)
    set_password(site, FIRST_ADMIN_LOGIN, password)
    return password


def list_scripts(site: Site) -> list[dict[str, Any]]:
    """Every live script with its permission group."""
    return site.find(
        admin_actor(site),
        "ApiUser",
        [],
        ["firstname", "permission_rule_set", "created_at"],
        order=[{"field_name": "id"}],
    )


def list_users(site: Site) -> list[dict[str, Any]]:
    """Every live person with login, name, status and permission group."""
    return site.find(
        admin_actor(site),
        "HumanUser",
        [],
        ["login", "name", "sg_status_list", "permission_rule_set"],
        order=[{"field_name": "id"}],
    )
