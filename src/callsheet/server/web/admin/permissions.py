"""Admin menu, Permissions: the roles of people and scripts, and a matrix of what each allows.

The list shows every role with how many people or scripts hold it; a role can be copied into a
new one. A role's page shows its rules as a matrix (entity types x see / create / update /
retire / revive), its conditional rules in words, its field rules and its settings ("see
assigned projects only", sudo, event log, admin). Saving sends the whole role; the engine's
`set_role_rules` checks it against the schema and writes it in one transaction, so a bad rule
is a message and nothing is half-saved. Export and import use the document `callsheet
permissions export|import` reads and writes (site/permissions/exchange.py).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault, NotFoundFault, ValueFault
from callsheet.server.web.admin.access import (
    admin_action,
    notice_of,
    redirect,
    render_admin,
    text,
)
from callsheet.server.web.admin.permission_conditions import (
    check_condition,
    condition_from,
    describe_rule,
    preset_data,
    preset_keys,
)
from callsheet.server.web.handlers import page, path_id, read_page_form
from callsheet.server.web.sessions import WebSession
from callsheet.site.accounts import DEFAULT_PERSON_ROLE, DEFAULT_SCRIPT_ROLE
from callsheet.site.permissions import (
    SECRET_FIELDS,
    RoleRules,
    RuleCondition,
    copy_role,
    exchange,
    export_rules,
    import_rules,
    roles,
    set_role_rules,
)
from callsheet.site.site import Site

ACTIONS = ("see", "create", "update", "retire")
ANY_TYPE = "*"
KINDS = {"HumanUser": "people", "ApiUser": "scripts"}
FLAGS = ("admin", "see_assigned_projects_only", "may_sudo", "may_see_event_log")
# The types a coordinator looks for first; the rest are behind "Show all".
COMMON_TYPES = (
    "Project",
    "Sequence",
    "Shot",
    "Asset",
    "Task",
    "Version",
    "Note",
    "Reply",
    "Playlist",
    "PublishedFile",
    "Attachment",
    "TimeLog",
    "Ticket",
    "HumanUser",
    "Group",
    "ApiUser",
    "Step",
    "ActionMenuItem",
    "EventLogEntry",
)
RULES_TYPE = "PermissionRuleSet"
MAX_HOLDERS_SHOWN = 100
EXPORT_TYPES = {"yaml": "application/x-yaml; charset=utf-8", "json": "application/json"}
NOTICES = {
    "copied": "Role created as a copy. Change its rules below, then give it to people or "
    "scripts on the People or Scripts page.",
}


# -- reading roles -----------------------------------------------------------------------------


def _holder_counts(site: Site, session: WebSession, entity_type: str) -> tuple[dict[int, int], int]:
    """How many people (or scripts) hold each role id, and how many hold none."""
    summary = site.summarize(
        session.actor,
        entity_type,
        [],
        [{"field": "id", "type": "count"}],
        grouping=[{"field": "permission_rule_set", "type": "exact", "direction": "asc"}],
    )
    counts: dict[int, int] = {}
    without = 0
    for group in summary.get("groups", []):
        value, count = group.get("group_value"), int(group["summaries"]["id"] or 0)
        if isinstance(value, dict) and "id" in value:
            counts[value["id"]] = counts.get(value["id"], 0) + count
        else:
            without += count
    return counts, without


def _rule_words(rule: Any) -> str:
    return "yes" if rule is True else "no" if rule is False else "some"


def role_summary(rules: RoleRules) -> str:
    """One line on what a role allows, for the list of roles."""
    base = rules.entity(ANY_TYPE)
    values = [base.rule(action) for action in ACTIONS]
    if all(value is True for value in values):
        everything = "Every type: full access"
    elif values[0] is not False and all(value is False for value in values[1:]):
        everything = "Every type: see only"
    elif all(value is False for value in values):
        everything = "Every type: no access"
    else:
        everything = "Every type: " + ", ".join(
            f"{action} {_rule_words(value)}" for action, value in zip(ACTIONS, values, strict=True)
        )
    parts = [everything]
    own = [name for name in rules.entities if name != ANY_TYPE]
    if own:
        parts.append(f"{len(own)} type{'s' if len(own) != 1 else ''} with their own rules")
    if rules.fields:
        count = len(rules.fields)
        parts.append(f"{count} field rule{'s' if count != 1 else ''}")
    return "; ".join(parts)


def _role_row(role_id: int, rules: RoleRules, holders: int) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": rules.name,
        "code": rules.code,
        "kind": KINDS.get(rules.actor_type, "people"),
        "admin": rules.admin,
        "assigned_projects_only": rules.assigned_projects_only,
        "may_sudo": rules.may_sudo,
        "may_see_event_log": rules.may_see_event_log,
        "summary": role_summary(rules),
        "holders": holders,
    }


def _find_role(site: Site, role_id: int) -> RoleRules:
    for found_id, rules in roles(site).values():
        if found_id == role_id:
            return rules
    raise NotFoundFault(f"PermissionRuleSet {role_id} doesn't exist or is retired.")


def _own_role(site: Site, session: WebSession) -> tuple[int | None, str | None]:
    permissions = site.permissions_for(session.actor)
    return permissions.role_id, permissions.role_name


# -- the list of roles -------------------------------------------------------------------------


async def _list_page(
    request: Request,
    session: WebSession,
    *,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    site: Site = request.app.state.site

    def load() -> dict[str, Any]:
        people, people_without = _holder_counts(site, session, "HumanUser")
        scripts, scripts_without = _holder_counts(site, session, "ApiUser")
        rows = []
        for role_id, rules in roles(site).values():
            counts = people if rules.actor_type == "HumanUser" else scripts
            rows.append(_role_row(role_id, rules, counts.get(role_id, 0)))
        return {
            "people_roles": [row for row in rows if row["kind"] == "people"],
            "script_roles": [row for row in rows if row["kind"] == "scripts"],
            "people_without": people_without,
            "scripts_without": scripts_without,
        }

    loaded = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_permissions.html",
        "permissions",
        status_code=400 if error else 200,
        title="Permissions",
        notice=notice or notice_of(request, NOTICES),
        error=error,
        form=form or {},
        default_person_role=DEFAULT_PERSON_ROLE,
        default_script_role=DEFAULT_SCRIPT_ROLE,
        open_copy=bool(error and form) or "copy" in request.query_params,
        copy_source=request.query_params.get("copy", ""),
        **loaded,
    )


@page(admin=True)
async def roles_page(request: Request, session: WebSession) -> Response:
    """GET /admin/permissions: every role, who holds it, copy, export and import."""
    return await _list_page(request, session)


@page(admin=True)
async def role_copy(request: Request, session: WebSession) -> Response:
    """POST /admin/permissions/copy: a new role with the rules of another one."""
    site: Site = request.app.state.site
    fields = (await read_page_form(request)).fields
    source, name = text(fields, "source"), text(fields, "name")

    def copy() -> int:
        if not name:
            raise ValueFault("The new role needs a name.")
        copied = copy_role(site, session.actor, source, name)
        return roles(site)[copied.name][0]

    try:
        role_id = await run_in_threadpool(copy)
    except Fault as fault:
        return await _list_page(request, session, error=str(fault), form=fields)
    return redirect(f"/admin/permissions/{role_id}", notice="copied")


@page(admin=True)
async def rules_export(request: Request, session: WebSession) -> Response:
    """GET /admin/permissions/export?format=yaml|json: every role's rules as a file."""
    site: Site = request.app.state.site
    file_format = request.query_params.get("format", "yaml")
    if file_format not in EXPORT_TYPES:
        raise ValueFault(f"Export as yaml or json, not {file_format!r}.")
    document = await run_in_threadpool(export_rules, site)
    return Response(
        exchange.dumps(document, file_format),
        media_type=EXPORT_TYPES[file_format],
        headers={
            "Content-Disposition": f'attachment; filename="callsheet-permissions.{file_format}"',
            "Cache-Control": "no-store",
        },
    )


def _refuse_own_lockout(
    own: tuple[int | None, str | None], role_id: int | None, rules: RoleRules
) -> None:
    """An admin may not take the Admin setting off the role they hold: they would lose the
    page they are on (as People refuses changing one's own permission group)."""
    own_id, own_name = own
    same = role_id is not None and role_id == own_id
    same = same or (own_name is not None and rules.name.lower() == own_name.lower())
    if same and not rules.admin:
        raise ValueFault(
            f"You hold the role {rules.name!r}: taking its Admin setting off would lock you out "
            "of the Admin pages. Ask another admin, or give the rules to a copy of the role."
        )


@page(admin=True)
async def rules_import(request: Request, session: WebSession) -> Response:
    """POST /admin/permissions/import: apply an exported file (multipart, field `file`)."""
    site: Site = request.app.state.site
    upload = (await read_page_form(request)).files.get("file")

    def apply() -> list[str]:
        if upload is None or not upload.content:
            raise ValueFault("Choose a permissions file (.yaml or .json) to import.")
        try:
            content = upload.content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueFault(f"{upload.filename!r} is not a text file (UTF-8).") from None
        document = exchange.loads(content, exchange.file_format(upload.filename or ""))
        own = _own_role(site, session)
        parsed = exchange.parse_document(site, document)
        for rules in parsed:
            _refuse_own_lockout(own, None, rules)
        return import_rules(site, session.actor, document)

    try:
        names = await run_in_threadpool(apply)
    except Fault as fault:
        name = upload.filename if upload is not None else "the file"
        return await _list_page(request, session, error=f"Nothing imported from {name}: {fault}")
    count = len(names)
    notice = f"Imported the rules of {count} role{'s' if count != 1 else ''}: {', '.join(names)}."
    return await _list_page(request, session, notice=notice)


# -- one role ------------------------------------------------------------------------------------


def _rule_data(site: Site, entity_type: str, rule: Any) -> Any:
    """A rule as the page's script holds it: true, false or {when, fields, text}."""
    if not isinstance(rule, RuleCondition):
        return bool(rule)
    data = rule.to_data()
    data["text"] = describe_rule(site.schema, entity_type, rule)
    return data


def rules_version(rules: RoleRules) -> str:
    """A fingerprint of a role's rules: a save names the version it started from."""
    return hashlib.sha256(json.dumps(rules.to_data(), sort_keys=True).encode()).hexdigest()[:16]


def role_model(site: Site, role_id: int, rules: RoleRules) -> dict[str, Any]:
    """What the matrix edits: the settings, the rules for every type, listed types, fields."""
    return {
        "id": role_id,
        "name": rules.name,
        "version": rules_version(rules),
        "flags": {
            "admin": rules.admin,
            "see_assigned_projects_only": rules.assigned_projects_only,
            "may_sudo": rules.may_sudo,
            "may_see_event_log": rules.may_see_event_log,
        },
        "defaults": {
            action: _rule_data(site, ANY_TYPE, rules.entity(ANY_TYPE).rule(action))
            for action in ACTIONS
        },
        "entities": {
            name: {action: _rule_data(site, name, entity.rule(action)) for action in ACTIONS}
            for name, entity in sorted(rules.entities.items())
            if name != ANY_TYPE
        },
        "fields": {
            key: {"see": field.see, "edit": field.edit}
            for key, field in sorted(rules.fields.items())
        },
    }


def _types_data(site: Site, rules: RoleRules) -> list[dict[str, Any]]:
    """Every entity type the matrix can show: enabled ones and any the role has rules for."""
    mentioned = set(rules.entities) | {key.partition(".")[0] for key in rules.fields}
    found: list[dict[str, Any]] = []
    for entity in site.schema:
        if not entity.visible and entity.name not in mentioned:
            continue
        fields = sorted(
            entity.fields.values(), key=lambda f: ((f.display_name or f.name).lower(), f.name)
        )
        found.append(
            {
                "name": entity.name,
                "label": entity.display_name or entity.name,
                "common": entity.name in COMMON_TYPES,
                "order": COMMON_TYPES.index(entity.name) if entity.name in COMMON_TYPES else 999,
                "fields": [[f.name, f.display_name or f.name, f.data_type] for f in fields],
                "secret": sorted(name for t, name in SECRET_FIELDS if t == entity.name),
                "presets": preset_keys(site, entity.name),
            }
        )
    found.sort(key=lambda t: (t["order"], t["label"].lower()))
    return found


@page(admin=True)
async def role_page(request: Request, session: WebSession) -> Response:
    """GET /admin/permissions/{id}: a role's matrix, conditions, field rules and settings."""
    site: Site = request.app.state.site
    role_id = path_id(request, "role_id", "permission role")

    def load() -> dict[str, Any]:
        rules = _find_role(site, role_id)
        holder_type = rules.actor_type
        holders = site.find(
            session.actor,
            holder_type,
            [["permission_rule_set", "is", {"type": RULES_TYPE, "id": role_id}]],
            ["name", "login", "firstname", "sg_status_list"]
            if holder_type == "HumanUser"
            else ["firstname"],
            order=[{"field_name": "id", "direction": "asc"}],
            limit=MAX_HOLDERS_SHOWN + 1,
        )
        counts, _ = _holder_counts(site, session, holder_type)
        own_role = _own_role(site, session)[0] == role_id
        return {
            "role": _role_row(role_id, rules, counts.get(role_id, 0)),
            "holders": holders[:MAX_HOLDERS_SHOWN],
            "more_holders": len(holders) > MAX_HOLDERS_SHOWN,
            "is_own_role": own_role,
            "page_data": {
                "model": role_model(site, role_id, rules),
                "types": _types_data(site, rules),
                "presets": preset_data(),
                "kind": KINDS.get(rules.actor_type, "people"),
                "own_role": own_role,
            },
        }

    loaded = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_permissions_role.html",
        "permissions",
        title=f"{loaded['role']['name']} · Permissions",
        notice=notice_of(request, NOTICES),
        **loaded,
    )


def _without_text(value: Any) -> Any:
    """A rule from the page without the words the page shows for it."""
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key != "text"}
    return value


def rules_from_page(rules: RoleRules, posted: Any) -> RoleRules:
    """The role's new rules from the page's document (its name, code and kind unchanged)."""
    if not isinstance(posted, dict):
        raise ValueFault("Expected the role's rules as a mapping.")
    entities = posted.get("entities") or {}
    if not isinstance(entities, dict):
        raise ValueFault("entities must be a mapping of entity types to their rules.")
    if ANY_TYPE not in entities:
        # a missing "*" reads as "everything allowed" in a file; from the page it is a mistake
        raise ValueFault("entities must include '*', the rules for every other type.")
    current = {
        "admin": rules.admin,
        "see_assigned_projects_only": rules.assigned_projects_only,
        "may_sudo": rules.may_sudo,
        "may_see_event_log": rules.may_see_event_log,
    }
    document: dict[str, Any] = {
        "code": rules.code,
        "for": KINDS.get(rules.actor_type, "people"),
        **{flag: posted.get(flag, current[flag]) for flag in FLAGS},
        "entities": {
            name: (
                {action: _without_text(rule) for action, rule in actions.items()}
                if isinstance(actions, dict)
                else actions
            )
            for name, actions in entities.items()
        },
        "fields": posted.get("fields") or {},
    }
    return RoleRules.from_data(rules.name, document)


@admin_action
async def save_rules(request: Request, session: WebSession, payload: Any) -> Any:
    """POST /admin/permissions/{id}/rules {rules}: give the role these rules, all or nothing."""
    site: Site = request.app.state.site
    role_id = path_id(request, "role_id", "permission role")

    def save() -> dict[str, Any]:
        current = _find_role(site, role_id)
        version = (payload or {}).get("version")
        if version is not None and version != rules_version(current):
            raise ValueFault(
                f"The rules of {current.name!r} were changed elsewhere since this page was "
                "opened (another admin, or an import). Nothing was saved: reload the page and "
                "make your change again."
            )
        new_rules = rules_from_page(current, (payload or {}).get("rules"))
        _refuse_own_lockout(_own_role(site, session), role_id, new_rules)
        set_role_rules(site, session.actor, new_rules)
        saved = _find_role(site, role_id)
        return {"model": role_model(site, role_id, saved), "summary": role_summary(saved)}

    return await run_in_threadpool(save)


@admin_action
async def check_rule(request: Request, session: WebSession, payload: Any) -> Any:
    """POST /admin/permissions/condition {entity_type, action, rule, kind}: the condition in
    words, or the engine's reason it cannot be used."""
    site: Site = request.app.state.site
    payload = payload if isinstance(payload, dict) else {}
    entity_type = str(payload.get("entity_type") or "")
    action = str(payload.get("action") or "")
    if action not in ACTIONS:
        raise ValueFault(f"Unknown action {action!r}; use one of {list(ACTIONS)}.")

    def check() -> dict[str, Any]:
        rule = condition_from(payload.get("rule"))
        if entity_type != ANY_TYPE:
            site.schema.entity(entity_type, operation="permissions")
        check_condition(site, entity_type, action, rule)
        return {"rule": _rule_data(site, entity_type, rule)}

    return await run_in_threadpool(check)


def routes() -> list[Route]:
    """The Permissions pages."""
    return [
        Route("/admin/permissions", roles_page, methods=["GET"]),
        Route("/admin/permissions/copy", role_copy, methods=["POST"]),
        Route("/admin/permissions/export", rules_export, methods=["GET"]),
        Route("/admin/permissions/import", rules_import, methods=["POST"]),
        Route("/admin/permissions/condition", check_rule, methods=["POST"]),
        Route("/admin/permissions/{role_id:int}", role_page, methods=["GET"]),
        Route("/admin/permissions/{role_id:int}/rules", save_rules, methods=["POST"]),
    ]
