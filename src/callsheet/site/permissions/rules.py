"""The rules one permission role holds, as plain data that can be checked, stored and exported.

A role (a `PermissionRuleSet`) holds, after reference/data-model.md §6:

- per entity type, whether its people or scripts may `see`, `create`, `update` and `retire`
  entities of that type (revive follows retire). Each action is allowed (`true`), refused
  (`false`) or allowed where a condition holds: a Shotgun filter, in `find`'s list form, on the
  entity (`{"when": [["created_by", "is", "$me"]]}`). An update rule may also name the only fields
  it lets change (`"fields": ["sg_status_list"]`). `"*"` gives the actions of types not listed;
- per field (`"Type.field"`, or `"*.field"` for every type), whether it may be seen and edited;
- "see assigned projects only": rows of other projects are invisible (`Project.users` ↔
  `HumanUser.projects` for people, `ApiUser.projects` for scripts);
- whether the role may sudo as another user, and may see the event log;
- `admin`: the role may manage the site (schema changes, the Admin pages, rule changes).

In conditions, `"$me"` stands for the acting user (`"$my_id"` for its id) and `"$my_role"` for
the role itself. Rules are
checked against the schema when they are imported (`RoleRules.check`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from callsheet.faults import Fault, ValueFault
from callsheet.store.filters import FilterCompiler, parse_filters
from callsheet.store.scope import UNRESTRICTED

if TYPE_CHECKING:
    from callsheet.store.store import Store

ACTIONS = ("see", "create", "update", "retire")
ACTOR_KINDS = {"people": "HumanUser", "scripts": "ApiUser"}
ME, MY_ID, MY_ROLE = "$me", "$my_id", "$my_role"
ANY_TYPE = "*"


@dataclass(frozen=True)
class RuleCondition:
    """Allowed where `filters` match the entity (and, for updates, only for `fields`)."""

    filters: Any
    fields: tuple[str, ...] | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"when": self.filters}
        if self.fields is not None:
            data["fields"] = list(self.fields)
        return data


Rule = bool | RuleCondition


@dataclass(frozen=True)
class EntityRules:
    """What a role may do with entities of one type."""

    see: Rule = True
    create: Rule = True
    update: Rule = True
    retire: Rule = True

    def rule(self, action: str) -> Rule:
        return getattr(self, "retire" if action == "revive" else action)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class FieldRules:
    """Whether a role may see and edit one field."""

    see: bool = True
    edit: bool = True


@dataclass(frozen=True)
class RoleRules:
    """Everything one permission role allows."""

    name: str
    code: str
    actor_type: str  # "HumanUser" (people) or "ApiUser" (scripts)
    admin: bool = False
    assigned_projects_only: bool = False
    may_sudo: bool = False
    may_see_event_log: bool = True
    entities: Mapping[str, EntityRules] = field(default_factory=dict)
    fields: Mapping[str, FieldRules] = field(default_factory=dict)

    def entity(self, entity_type: str) -> EntityRules:
        """The rules for a type: its own, else those for every type, else everything."""
        return self.entities.get(entity_type) or self.entities.get(ANY_TYPE) or EntityRules()

    def field(self, entity_type: str, field_name: str) -> FieldRules:
        return (
            self.fields.get(f"{entity_type}.{field_name}")
            or self.fields.get(f"{ANY_TYPE}.{field_name}")
            or FieldRules()
        )

    @property
    def sees_everything(self) -> bool:
        """No row or field is hidden by this role (its reads need no extra SQL)."""
        return (
            not self.assigned_projects_only
            and self.may_see_event_log
            and all(rules.see is True for rules in self.entities.values())
            and all(rules.see for rules in self.fields.values())
        )

    # -- data -----------------------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        """The role as readable data (what `callsheet permissions export` writes)."""
        kind = next(k for k, v in ACTOR_KINDS.items() if v == self.actor_type)
        return {
            "code": self.code,
            "for": kind,
            "admin": self.admin,
            "see_assigned_projects_only": self.assigned_projects_only,
            "may_sudo": self.may_sudo,
            "may_see_event_log": self.may_see_event_log,
            "entities": {
                name: {
                    action: _rule_data(rules.rule(action))
                    for action in ACTIONS
                    if name == ANY_TYPE or rules.rule(action) != self._inherited(action)
                }
                for name, rules in self.entities.items()
            },
            "fields": {
                name: {"see": rules.see, "edit": rules.edit} for name, rules in self.fields.items()
            },
        }

    def _inherited(self, action: str) -> Rule:
        return self.entity(ANY_TYPE).rule(action)

    @classmethod
    def from_data(cls, name: str, data: Any) -> RoleRules:
        """A role from exported data; a ValueFault names what is malformed."""
        if not isinstance(name, str) or not name.strip():
            raise ValueFault(f"A role needs a name, got {name!r}.")
        if not isinstance(data, dict):
            raise ValueFault(f"Role {name!r}: expected a mapping of settings, got {data!r}.")
        unknown = set(data) - {
            "code",
            "for",
            "admin",
            "see_assigned_projects_only",
            "may_sudo",
            "may_see_event_log",
            "entities",
            "fields",
        }
        if unknown:
            raise ValueFault(f"Role {name!r}: unknown settings {sorted(unknown)}.")
        kind = data.get("for", "people")
        if kind not in ACTOR_KINDS:
            raise ValueFault(f"Role {name!r}: 'for' must be people or scripts, got {kind!r}.")
        defaults = _entity_rules(name, ANY_TYPE, (data.get("entities") or {}).get(ANY_TYPE), None)
        entities = {
            entity_type: _entity_rules(name, entity_type, rules, defaults)
            for entity_type, rules in _mapping(name, "entities", data.get("entities")).items()
        }
        fields = {
            key: _field_rules(name, key, rules)
            for key, rules in _mapping(name, "fields", data.get("fields")).items()
        }
        return cls(
            name=name.strip(),
            code=str(data.get("code") or name.strip().lower().replace(" ", "_")),
            actor_type=ACTOR_KINDS[kind],
            admin=_flag(name, data, "admin", False),
            assigned_projects_only=_flag(name, data, "see_assigned_projects_only", False),
            may_sudo=_flag(name, data, "may_sudo", False),
            may_see_event_log=_flag(name, data, "may_see_event_log", True),
            entities=entities,
            fields=fields,
        )

    def check(self, store: Store) -> None:
        """Fault unless every type, field and condition of the role works on this site's schema
        (conditions are compiled, so an operator a field does not have is caught too)."""
        try:
            self._check(store)
        except Fault as fault:
            if fault.message.startswith(f"Role {self.name!r}"):
                raise
            raise ValueFault(f"Role {self.name!r}: {fault.message}") from None

    def _check(self, store: Store) -> None:
        schema = store.schema
        for entity_type, rules in self.entities.items():
            if entity_type == ANY_TYPE:
                continue
            entity = schema.entity(entity_type, operation="permissions")
            for action in ACTIONS:
                rule = rules.rule(action)
                if not isinstance(rule, RuleCondition):
                    continue
                try:
                    group = parse_filters(schema, entity_type, substitute(rule.filters, _EXAMPLE))
                    FilterCompiler(store, UNRESTRICTED).compile(group, store.table(entity_type))
                except Fault as fault:
                    raise ValueFault(
                        f"Role {self.name!r}: the {action} condition on {entity_type}: "
                        f"{fault.message}"
                    ) from None
                for name in rule.fields or ():
                    entity.field(name, operation="permissions")
        for key in self.fields:
            entity_type, _, field_name = key.partition(".")
            if entity_type != ANY_TYPE:
                schema.field(entity_type, field_name, operation="permissions")


# What "$me" and "$my_role" stand for while a condition is checked against the schema.
_EXAMPLE = {
    ME: {"type": "HumanUser", "id": 1},
    MY_ID: 1,
    MY_ROLE: {"type": "PermissionRuleSet", "id": 1},
}


def substitute(filters: Any, values: Mapping[str, Any]) -> Any:
    """The filters with "$me", "$my_id" and "$my_role" replaced by their values."""
    if isinstance(filters, str):
        return values.get(filters, filters)
    if isinstance(filters, list | tuple):
        return [substitute(item, values) for item in filters]
    if isinstance(filters, dict):
        return {key: substitute(value, values) for key, value in filters.items()}
    return filters


def _rule_data(rule: Rule) -> Any:
    return rule.to_data() if isinstance(rule, RuleCondition) else rule


def _mapping(role: str, what: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueFault(f"Role {role!r}: {what} must be a mapping, got {value!r}.")
    return value


def _flag(role: str, data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ValueFault(f"Role {role!r}: {key} must be true or false, got {value!r}.")
    return value


def _rule(role: str, where: str, value: Any) -> Rule:
    if isinstance(value, bool):
        return value
    if isinstance(value, dict) and set(value) <= {"when", "fields"} and "when" in value:
        filters = value["when"]
        if not isinstance(filters, list | dict):
            raise ValueFault(f"Role {role!r}: {where} 'when' must be a list of filters.")
        fields = value.get("fields")
        if fields is not None and (
            not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)
        ):
            raise ValueFault(f"Role {role!r}: {where} 'fields' must be a list of field names.")
        return RuleCondition(filters, tuple(fields) if fields is not None else None)
    raise ValueFault(
        f"Role {role!r}: {where} must be true, false or {{when: [filters], fields: [...]}}, "
        f"got {value!r}."
    )


def _entity_rules(
    role: str, entity_type: str, value: Any, defaults: EntityRules | None
) -> EntityRules:
    base = defaults or EntityRules()
    if value is None:
        return base
    if isinstance(value, bool):
        return EntityRules(value, value, value, value)
    if not isinstance(value, dict):
        raise ValueFault(f"Role {role!r}: entities.{entity_type} must be a mapping of actions.")
    unknown = set(value) - set(ACTIONS)
    if unknown:
        raise ValueFault(
            f"Role {role!r}: entities.{entity_type}: unknown actions {sorted(unknown)}; "
            f"use {list(ACTIONS)}."
        )
    return EntityRules(
        **{
            action: _rule(role, f"entities.{entity_type}.{action}", value[action])
            if action in value
            else base.rule(action)
            for action in ACTIONS
        }
    )


def _field_rules(role: str, key: Any, value: Any) -> FieldRules:
    if not isinstance(key, str) or key.count(".") != 1:
        raise ValueFault(f"Role {role!r}: field rules are keyed 'Type.field', got {key!r}.")
    if not isinstance(value, dict) or set(value) - {"see", "edit"}:
        raise ValueFault(f"Role {role!r}: fields.{key} must be {{see: bool, edit: bool}}.")
    see, edit = value.get("see", True), value.get("edit", True)
    if not isinstance(see, bool) or not isinstance(edit, bool):
        raise ValueFault(f"Role {role!r}: fields.{key}: see and edit are true or false.")
    return FieldRules(see, edit and see)
