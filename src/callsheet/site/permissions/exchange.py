"""Rules in and out: export and import as readable YAML or JSON, copying a role, setting one.

These are the only ways rules change, and only admins (people role Admin, script role API Admin,
or Callsheet itself, e.g. the `callsheet permissions` command) may use them; the API has no method
for them and refuses writes to PermissionRuleSet. An import is checked whole against the schema
before anything is written, then written in one transaction: roles named in the file get its
rules (new names become new roles); roles not named keep theirs.

The document:

    format: callsheet-permissions/1
    roles:
      Artist:
        code: artist
        for: people               # or scripts
        admin: false
        see_assigned_projects_only: true
        may_sudo: false
        may_see_event_log: true
        entities:
          "*": {see: true, create: false, update: false, retire: false}
          Note: {create: true, update: {when: [[created_by, is, $me]]}}
        fields:
          HumanUser.permission_rule_set: {see: true, edit: false}
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import yaml

from callsheet.faults import PermissionFault, ValueFault
from callsheet.site.actor import Actor
from callsheet.site.permissions.book import rules_of_role, store_rules
from callsheet.site.permissions.rules import RoleRules
from callsheet.store import roles as role_rows

if TYPE_CHECKING:
    from callsheet.site.site import Site

FORMAT = "callsheet-permissions/1"


def roles(site: Site) -> dict[str, tuple[int, RoleRules]]:
    """Every live role by name, with its id and rules, in id order."""
    rows = role_rows.live_roles(site.store)
    documents = role_rows.rules_documents(site.store)
    found: dict[str, tuple[int, RoleRules]] = {}
    for row in rows:
        rules = rules_of_role(row.display_name, row.code, row.entity_type, documents.get(row.id))
        found.setdefault(rules.name, (row.id, rules))
    return found


def export_rules(site: Site) -> dict[str, Any]:
    """Every role's rules as a document (what `callsheet permissions export` writes)."""
    return {
        "format": FORMAT,
        "roles": {name: rules.to_data() for name, (_, rules) in roles(site).items()},
    }


def parse_document(site: Site, data: Any) -> list[RoleRules]:
    """The roles of a document, each checked against the site's schema; a Fault otherwise."""
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict):
        raise ValueFault("A permissions document is a mapping with a 'roles' mapping.")
    if data.get("format", FORMAT) != FORMAT:
        raise ValueFault(f"Unknown permissions format {data.get('format')!r}; expected {FORMAT}.")
    parsed = [RoleRules.from_data(name, role) for name, role in data["roles"].items()]
    for rules in parsed:
        check_role_rules(site, rules)
    return parsed


def check_role_rules(site: Site, rules: RoleRules) -> None:
    """Fault unless every type, field and condition of `rules` works on the site's schema
    (conditions are compiled, so an operator a field does not have is caught too)."""
    rules.check(site.store)


def import_rules(site: Site, actor: Actor, data: Any) -> list[str]:
    """Apply a document's roles (creating new ones); returns their names. Admins only."""
    _require_admin(site, actor)
    parsed = parse_document(site, data)
    _write_roles(site, actor, parsed)
    return [rules.name for rules in parsed]


def set_role_rules(site: Site, actor: Actor, rules: RoleRules) -> int:
    """Give one role these rules (creating the role when its name is new); its id."""
    _require_admin(site, actor)
    check_role_rules(site, rules)
    return _write_roles(site, actor, [rules])[0]


def copy_role(site: Site, actor: Actor, source: str, new_name: str) -> RoleRules:
    """A new role with the rules of `source` (by name or code), named `new_name`."""
    _require_admin(site, actor)
    existing = roles(site)
    if _find(existing, new_name) is not None:
        raise ValueFault(f"A role named {new_name!r} already exists.")
    found = _find(existing, source)
    if found is None:
        raise ValueFault(f"No role {source!r}; roles: {', '.join(existing)}.")
    name = new_name.strip()
    if not name:
        raise ValueFault("The new role needs a name.")
    copied = replace(found[1], name=name, code=name.lower().replace(" ", "_"))
    _write_roles(site, actor, [copied])
    return copied


def dumps(data: dict[str, Any], file_format: str) -> str:
    """A document as YAML or JSON text."""
    if file_format == "json":
        return json.dumps(data, indent=2, sort_keys=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def loads(text: str, file_format: str) -> Any:
    """A document from YAML or JSON text (YAML also reads JSON)."""
    try:
        return json.loads(text) if file_format == "json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise ValueFault(f"Not a readable {file_format.upper()} document: {error}") from None


def file_format(path: str) -> str:
    """ "json" for .json files, else "yaml"."""
    return "json" if path.lower().endswith(".json") else "yaml"


def _require_admin(site: Site, actor: Actor) -> None:
    permissions = site.permissions_for(actor)
    if not permissions.is_admin:
        raise PermissionFault(
            f"Permission rules can only be changed by admins. Rule: {permissions.role_name}"
        )


def _find(existing: dict[str, tuple[int, RoleRules]], name: str) -> tuple[int, RoleRules] | None:
    wanted = name.strip().lower()
    for role_name, (role_id, rules) in existing.items():
        if wanted in (role_name.lower(), rules.code.lower()):
            return role_id, rules
    return None


def _write_roles(site: Site, actor: Actor, parsed: list[RoleRules]) -> list[int]:
    from callsheet.site.writes import create_entity

    existing = roles(site)
    ids = []
    # Callsheet's own permissions write PermissionRuleSet; the event log names the admin.
    with site.writing(actor, permissions=site.rule_book.system) as ctx:
        for rules in parsed:
            found = _find(existing, rules.name)
            if found is None:
                role_id = create_entity(
                    ctx,
                    "PermissionRuleSet",
                    {
                        "code": rules.code,
                        "display_name": rules.name,
                        "entity_type": rules.actor_type,
                    },
                )
            else:
                role_id = found[0]
            store_rules(ctx.conn, role_id, rules)
            ids.append(role_id)
        role_rows.bump_generation(ctx.conn)
        ctx.after_commit.append(site.rule_book.forget)
    return ids
