"""How the Permissions page reads and offers conditional rules ("only Tasks assigned to them").

A condition is a Shotgun filter on the entity (reference/data-model.md §6; rules.py). Admins see
it as a sentence: the common ones (ShotGrid's own) by name, any other one spelled out from the
schema's field names. `PRESETS` are the conditions the page offers for a type that has the
fields they use; `check_condition` is the engine's own check of one condition (it compiles it),
so a condition the engine could not run is refused with the engine's message at once.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from callsheet.faults import Fault, ValueFault
from callsheet.schema.model import Schema
from callsheet.site.permissions import EntityRules, RoleRules, RuleCondition, check_role_rules
from callsheet.site.site import Site

ME, MY_ID, MY_ROLE = "$me", "$my_id", "$my_role"
ANY_TYPE = "*"
VALUE_WORDS = {ME: "them", MY_ID: "their own id", MY_ROLE: "their permission role"}
RELATION_WORDS = {
    "is": "is",
    "is_not": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "greater_than": "is greater than",
    "less_than": "is less than",
    "type_is": "is of type",
    "type_is_not": "is not of type",
    "name_contains": "name contains",
    "name_is": "name is",
    "in_last": "is in the last",
    "in_next": "is in the next",
    "between": "is between",
}
GROUP_SUFFIX = ".Group.users"
PATH_SEPARATOR = " \u203a "  # "Tasks > Assigned To", with the typographic angle


@dataclass(frozen=True)
class Preset:
    """A condition the page offers by name (ShotGrid's usual conditional rules)."""

    key: str
    text: str  # how the page says it: "only those they created"
    filters: Any
    types: tuple[str, ...] = ()  # only for these types (all types with the fields otherwise)


def _assigned(prefix: str) -> list[Any]:
    return [
        {
            "filter_operator": "any",
            "filters": [
                [f"{prefix}task_assignees", "is", ME],
                [f"{prefix}task_assignees{GROUP_SUFFIX}", "is", ME],
            ],
        }
    ]


PRESETS = (
    Preset("created", "only those they created", [["created_by", "is", ME]]),
    Preset("assigned", "only those assigned to them or their groups", _assigned("")),
    Preset(
        "tasks_assigned",
        "only those with Tasks assigned to them or their groups",
        _assigned("tasks.Task."),
    ),
    Preset(
        "addressed",
        "only those they wrote, or addressed to them or their groups",
        [
            {
                "filter_operator": "any",
                "filters": [
                    ["created_by", "is", ME],
                    ["addressings_to", "is", ME],
                    ["addressings_cc", "is", ME],
                    [f"addressings_to{GROUP_SUFFIX}", "is", ME],
                    [f"addressings_cc{GROUP_SUFFIX}", "is", ME],
                ],
            }
        ],
        ("Note",),
    ),
    Preset(
        "attached",
        "only those they attached, or on Notes they wrote or are addressed on",
        [
            {
                "filter_operator": "any",
                "filters": [
                    ["created_by", "is", ME],
                    ["attachment_links.Note.created_by", "is", ME],
                    ["attachment_links.Note.addressings_to", "is", ME],
                    ["attachment_links.Note.addressings_cc", "is", ME],
                ],
            }
        ],
        ("Attachment",),
    ),
    Preset("user", "only those whose User is them", [["user", "is", ME]]),
    Preset("own_record", "only their own record", [["id", "is", MY_ID]], ("HumanUser", "ApiUser")),
    Preset(
        "for_role",
        "only those for their permission role, or for everyone",
        [
            {
                "filter_operator": "any",
                "filters": [
                    ["permissions_groups", "is", None],
                    ["permissions_groups", "is", MY_ROLE],
                ],
            }
        ],
        ("ActionMenuItem",),
    ),
    Preset(
        "my_projects", "only those in projects they are on", [["project.Project.users", "is", ME]]
    ),
    Preset("on_project", "only projects they are on", [["users", "is", ME]], ("Project",)),
)
PRESET_BY_KEY = {preset.key: preset for preset in PRESETS}

# Which presets a type can use is a pure function of the schema snapshot (an immutable object
# that a schema change replaces), so it is remembered per snapshot: another process holds its
# own snapshots and works the same answers out itself; nothing here can go stale.
_presets_cache: weakref.WeakKeyDictionary[Schema, dict[str, list[Preset]]] = (
    weakref.WeakKeyDictionary()
)


# -- describing ------------------------------------------------------------------------------


def describe_rule(schema: Schema, entity_type: str, rule: RuleCondition) -> str:
    """A conditional rule as the page shows it: "only those they created (fields: Status)"."""
    if _filters_empty(rule.filters):
        phrase = "always"
    else:
        phrase = _preset_text(rule.filters) or (
            f"only where {_describe_node(schema, entity_type, rule.filters, top=True)}"
        )
    if rule.fields is not None:
        labels = field_labels(schema, entity_type, rule.fields)
        phrase += f" (only the fields {', '.join(labels)})" if labels else " (no fields)"
    return phrase


def _preset_text(filters: Any) -> str | None:
    return next((p.text for p in PRESETS if _same(filters, p.filters)), None)


def _filters_empty(filters: Any) -> bool:
    if isinstance(filters, dict):
        return not filters.get("filters")
    return not filters


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _describe_node(schema: Schema, entity_type: str, node: Any, top: bool = False) -> str:
    if isinstance(node, dict) and "filters" in node:
        joiner = " or " if node.get("filter_operator") in ("any", "or") else " and "
        parts = _merge_groups([_describe_node(schema, entity_type, c) for c in node["filters"]])
        text = joiner.join(parts) or "anything"
        return text if top or len(parts) < 2 else f"({text})"
    if isinstance(node, dict) and "path" in node:
        return _describe_condition(
            schema, entity_type, node["path"], node.get("relation", "is"), node.get("values")
        )
    if isinstance(node, list | tuple) and node and isinstance(node[0], str) and len(node) >= 2:
        values = node[2] if len(node) == 3 else list(node[2:])
        return _describe_condition(schema, entity_type, node[0], node[1], values)
    if isinstance(node, list | tuple):
        parts = _merge_groups([_describe_node(schema, entity_type, c) for c in node])
        text = " and ".join(parts) or "anything"
        return text if top or len(parts) < 2 else f"({text})"
    return repr(node)


def _merge_groups(parts: list[str]) -> list[str]:
    """ "X is them" and "X includes one of their groups" read as one: "X includes them or ..."."""
    merged = list(parts)
    for part in parts:
        if not part.endswith(" includes one of their groups"):
            continue
        prefix = part.removesuffix(" includes one of their groups")
        for i, other in enumerate(merged):
            if other in (f"{prefix} is them", f"{prefix} includes them"):
                merged[i] = f"{prefix} includes them or one of their groups"
                merged.remove(part)
                break
    return merged


def _describe_condition(
    schema: Schema, entity_type: str, path: Any, relation: Any, values: Any
) -> str:
    path = str(path)
    if path.endswith(GROUP_SUFFIX) and relation == "is" and values == ME:
        owner = _path_label(schema, entity_type, path[: -len(GROUP_SUFFIX)])
        return f"{owner} includes one of their groups"
    label = _path_label(schema, entity_type, path)
    words = RELATION_WORDS.get(str(relation), str(relation).replace("_", " "))
    if relation == "is" and values == ME and _is_multi(schema, entity_type, path):
        words = "includes"
    if relation == "is" and values is None:
        return f"{label} is empty"
    if relation == "is_not" and values is None:
        return f"{label} is not empty"
    return f"{label} {words} {_value_words(values)}"


def _is_multi(schema: Schema, entity_type: str, path: str) -> bool:
    tokens = path.split(".")
    owner = tokens[-3] if len(tokens) >= 3 else entity_type
    try:
        return schema.field(owner, tokens[-1]).traits.is_multi_link
    except Fault:
        return False


def _value_words(value: Any) -> str:
    if isinstance(value, str):
        return VALUE_WORDS.get(value, repr(value))
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "type" in value:
        return f"{value['type']} {value.get('name') or value.get('id')}"
    if isinstance(value, list | tuple):
        return ", ".join(_value_words(v) for v in value)
    return str(value)


def _path_label(schema: Schema, entity_type: str, path: str) -> str:
    """ "tasks.Task.task_assignees" as "Tasks > Assigned To" (with a right angle quote; names
    unknown to the schema stay as written)."""
    tokens = path.split(".")
    labels = [_field_label(schema, entity_type, tokens[0])]
    for owner, name in zip(tokens[1::2], tokens[2::2], strict=False):
        labels.append(_field_label(schema, owner, name))
    return PATH_SEPARATOR.join(labels)


def _field_label(schema: Schema, entity_type: str, name: str) -> str:
    try:
        return schema.field(entity_type, name).display_name or name
    except Fault:
        return name


# -- offering and checking -------------------------------------------------------------------


def presets_for(site: Site, entity_type: str) -> list[Preset]:
    """The presets the type can use: it has their fields (cached per schema)."""
    by_type = _presets_cache.setdefault(site.schema, {})
    if entity_type not in by_type:
        by_type[entity_type] = [
            preset
            for preset in PRESETS
            if (not preset.types or entity_type in preset.types)
            and _valid_on(site, entity_type, preset.filters)
        ]
    return by_type[entity_type]


def _valid_on(site: Site, entity_type: str, filters: Any) -> bool:
    if entity_type == ANY_TYPE:
        return False
    try:
        check_role_rules(site, _role_with(entity_type, "see", RuleCondition(filters)))
    except Fault:
        return False
    return True


def _role_with(entity_type: str, action: str, rule: RuleCondition) -> RoleRules:
    return RoleRules(
        name="(condition)",
        code="condition",
        actor_type="HumanUser",
        entities={entity_type: EntityRules(**{action: rule})},
    )


def condition_from(value: Any) -> RuleCondition:
    """A RuleCondition from the page's `{when, fields}`; a ValueFault names what is malformed."""
    if not isinstance(value, dict) or "when" not in value:
        raise ValueFault("A condition is {when: [filters], fields: [field names]}.")
    filters, fields = value["when"], value.get("fields")
    if not isinstance(filters, list | dict):
        raise ValueFault(f"A condition's filters must be a list, got {filters!r}.")
    if fields is not None and (
        not isinstance(fields, list) or not all(isinstance(f, str) and f for f in fields)
    ):
        raise ValueFault(f"A condition's fields must be a list of field names, got {fields!r}.")
    return RuleCondition(filters, tuple(fields) if fields is not None else None)


def check_condition(site: Site, entity_type: str, action: str, rule: RuleCondition) -> None:
    """Fault unless the engine can use this condition on `entity_type` (the rules' own check:
    its fields exist and it compiles), in words that name the type and the action."""
    if entity_type == ANY_TYPE:
        return
    try:
        check_role_rules(site, _role_with(entity_type, action, rule))
    except Fault as fault:
        message = fault.message.removeprefix("Role '(condition)': ")
        for prefix in ("API read() ", "API permissions() "):
            message = message.replace(prefix, "")
        raise ValueFault(message[:1].upper() + message[1:]) from None


def preset_keys(site: Site, entity_type: str) -> list[str]:
    """The keys of the presets a type can use."""
    return [preset.key for preset in presets_for(site, entity_type)]


def preset_data() -> dict[str, dict[str, Any]]:
    """Every preset as the page's script gets it: key to its words and filters."""
    return {p.key: {"text": p.text, "when": p.filters} for p in PRESETS}


def field_labels(schema: Schema, entity_type: str, names: Sequence[str]) -> list[str]:
    """Display names of fields (as written when unknown; with the field's name when two fields
    share a display name)."""
    labels = [_field_label(schema, entity_type, name) for name in names]
    return [
        f"{label} ({name})" if labels.count(label) > 1 else label
        for label, name in zip(labels, names, strict=True)
    ]
