"""Creating and listing scripts (ApiUser) and people (HumanUser): `callsheet script|user`."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from callsheet.faults import PermissionFault, ValueFault
from callsheet.site.actor import Actor
from callsheet.site.auth import new_script_key, set_script_key
from callsheet.site.bootstrap import ENGINE_SCRIPT_NAME, engine_script_id
from callsheet.site.site import Site
from callsheet.store import credentials

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
    site: Site,
    name: str,
    key: str | None = None,
    permission_group: str | int = DEFAULT_SCRIPT_ROLE,
    *,
    actor: Actor | None = None,
    description: str | None = None,
) -> tuple[dict[str, Any], str]:
    """A new ApiUser and its key (generated when not given); the key is stored hashed.

    `actor` is who creates it (an admin on the web page); Callsheet's own script by default.
    """
    name = name.strip() if isinstance(name, str) else name
    if not name:
        raise ValueFault("A script needs a name.")
    actor = actor or admin_actor(site)
    if site.find_one(actor, "ApiUser", [["firstname", "is", name]]) is not None:
        raise ValueFault(f"A script named {name!r} already exists.")
    key = key or new_script_key()
    data: dict[str, Any] = {
        "firstname": name,
        "permission_rule_set": permission_group_link(site, permission_group, "ApiUser"),
    }
    if description:
        data["description"] = description
    script = site.create(
        actor, "ApiUser", data, ["firstname", "permission_rule_set", "description"]
    )
    set_script_key(site, script["id"], key)
    return script, key


def create_user(
    site: Site,
    login: str,
    name: str,
    password: str,
    permission_group: str | int = DEFAULT_PERSON_ROLE,
    email: str | None = None,
    *,
    actor: Actor | None = None,
    project_ids: Sequence[int] = (),
) -> dict[str, Any]:
    """A new active HumanUser whose password is `password` (argon2-hashed by password_proxy).

    `actor` is who creates them (an admin on the web page); Callsheet's own script by default.
    """
    login = login.strip() if isinstance(login, str) else login
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
        "permission_rule_set": permission_group_link(site, permission_group, "HumanUser"),
    }
    if email:
        data["email"] = email
    if project_ids:
        data["projects"] = [{"type": "Project", "id": int(i)} for i in project_ids]
    return site.create(actor or admin_actor(site), "HumanUser", data, ["login", "name"])


def set_password(site: Site, login: str, password: str) -> dict[str, Any]:
    """Give a person a new password (argon2-hashed by password_proxy); their sessions end."""
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
    if credentials.person_has_password(site.store, FIRST_ADMIN_LOGIN) is not False:
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


# -- the Admin menu's Scripts and People pages ----------------------------------------------


def permission_groups(site: Site, entity_type: str) -> list[dict[str, Any]]:
    """The permission groups for people (HumanUser) or scripts (ApiUser), by name."""
    return site.find(
        admin_actor(site),
        "PermissionRuleSet",
        [["entity_type", "is", entity_type]],
        ["display_name", "code"],
        order=[{"field_name": "id"}],
    )


def permission_group_link(site: Site, group: str | int, entity_type: str) -> dict[str, Any]:
    """The PermissionRuleSet named `group` (or with that id) for people or scripts."""
    if isinstance(group, str) and not group.strip().isdigit():
        return role_link(site, group, entity_type)
    try:
        group_id = int(group)
    except (TypeError, ValueError):
        raise ValueFault(f"A permission group is a name or an id, got {group!r}.") from None
    for role in permission_groups(site, entity_type):
        if role["id"] == group_id:
            return {"type": "PermissionRuleSet", "id": group_id}
    kind = "people" if entity_type == "HumanUser" else "scripts"
    raise ValueFault(f"PermissionRuleSet {group_id} is not a permission group for {kind}.")


def set_permission_group(
    site: Site, actor: Actor, entity_type: str, entity_id: int, group: str | int
) -> dict[str, Any]:
    """Give a person or a script another permission group (as `actor`)."""
    if entity_type == "HumanUser" and actor.entity_type == "HumanUser" and actor.id == entity_id:
        # an admin who demotes themselves locks everyone out of the Admin pages they are on
        raise PermissionFault("You cannot change your own permission group; ask another admin.")
    link = permission_group_link(site, group, entity_type)
    return site.update(actor, entity_type, entity_id, {"permission_rule_set": link})


def _live_script(site: Site, actor: Actor, script_id: int) -> dict[str, Any]:
    script = site.find_one(actor, "ApiUser", [["id", "is", script_id]], ["firstname"])
    if script is None:
        raise ValueFault(f"ApiUser {script_id} doesn't exist or is retired.")
    if script.get("firstname") == ENGINE_SCRIPT_NAME and script_id == engine_script_id(site):
        raise PermissionFault(
            f"{ENGINE_SCRIPT_NAME!r} is Callsheet's own script (the actor of in-process"
            " connections); it has no key and cannot be retired."
        )
    return script


def _may_update_scripts(site: Site, actor: Actor) -> None:
    # a key is not an entity field, so no engine write checks it: ask the actor's rules here
    permissions_for = getattr(site, "permissions_for", None)
    if permissions_for is not None and not permissions_for(actor).may("ApiUser", "update"):
        raise PermissionFault("Entity of type ApiUser can not be updated by this user.")


def regenerate_script_key(site: Site, actor: Actor, script_id: int) -> str:
    """A new key for a script, returned once; the old key and the script's sessions stop
    working at once."""
    _live_script(site, actor, script_id)
    _may_update_scripts(site, actor)
    key = new_script_key()
    set_script_key(site, script_id, key)
    return key


def retire_script(site: Site, actor: Actor, script_id: int) -> None:
    """Retire a script (as `actor`): its key is refused from now on."""
    _live_script(site, actor, script_id)
    site.delete(actor, "ApiUser", script_id)


def set_person_status(site: Site, actor: Actor, person_id: int, active: bool) -> dict[str, Any]:
    """Activate (`act`) or deactivate (`dis`) a person; a deactivated person cannot sign in."""
    if not active and actor.entity_type == "HumanUser" and actor.id == person_id:
        raise PermissionFault("You cannot deactivate your own account; ask another admin.")
    # the status change ends their sessions in the same transaction (credential_changes.py)
    return site.update(
        actor, "HumanUser", person_id, {"sg_status_list": "act" if active else "dis"}
    )


def end_sessions(site: Site, entity_type: str, entity_id: int) -> None:
    """End every session token of a person or script (sign out everywhere)."""
    credentials.expire_account_sessions(site.store, entity_type, entity_id)
