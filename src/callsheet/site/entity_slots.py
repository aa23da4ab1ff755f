"""Custom entity slots enabled, named and disabled: ShotGrid's Site Preferences, Entities section.

ShotGrid does this in the web page only (Admin > Site Preferences > Entities: "Yes, use custom
entity...", a name, and whether the type has Tasks, Versions, Notes and Pipeline Toolkit / File
Publishes), never through the API; Callsheet does it on the Admin Entities page and with
`callsheet entity-type`. Enabling with Tasks makes Tasks linkable to the type ("Tasks will be
linkable to the newly configured entity type", the ShotGrid help page "Enabling a Custom Entity"):
the type joins `Task.entity`'s `valid_types` and gets the `tasks` field that shows them from its
side; Versions, Notes and Published Files do the same for `Version.entity`, `Note.note_links` and
`PublishedFile.entity`. A threaded slot takes Replies and Attachments the way Tickets do.

Disabling keeps the type's record, table and rows: it leaves every schema answer and every API
call answers it as an unknown type, and enabling it again brings everything back. A type that
still has records is disabled only when asked with `force` (as the `custom_entity_disable(...,
force=True)` that shotgunsoftware/python-api PR #456 proposes for servers from v8.88).

Each change is one transaction with its event rows: a `Shotgun_Preferences_Change` (ShotGrid's
event for a site preference; its meta has no `type`, and `pref`, `old`, `new`) and a
`Shotgun_DisplayColumn_New` / `_Change` for each field it adds or whose `valid_types` change
(ShotGrid's events for field records, those that tools such as sg-jira-bridge watch to reload a
cached schema). Other server processes see the change within a second (Store.revalidate_schema).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from callsheet.faults import PermissionFault, SchemaFault, ValueFault
from callsheet.schema.model import EntityType, Field, Schema
from callsheet.schema.slots import (
    default_plural,
    family_of,
    renamed_code_field,
    slot_names,
    slot_of,
)
from callsheet.site.actor import Actor
from callsheet.site.site import Site
from callsheet.store.events import EventRow

MAX_NAME_LENGTH = 255
PREFERENCE = "custom_entities"  # the `pref` of the event rows (one preference per slot)


@dataclass(frozen=True)
class SlotOption:
    """One checkbox of the Entities section: which link field takes the type, and the field the
    type gets to show those links from its side (None: the slot has it from the start)."""

    label: str
    link: tuple[str, str]
    reverse: tuple[str, str, str] | None  # (reverse field, template type, template field)


OPTIONS: dict[str, SlotOption] = {
    "tasks": SlotOption("Tasks", ("Task", "entity"), ("tasks", "Shot", "tasks")),
    "versions": SlotOption(
        "Versions", ("Version", "entity"), ("sg_versions", "Asset", "sg_versions")
    ),
    "notes": SlotOption("Notes", ("Note", "note_links"), None),
    "published_files": SlotOption(
        "Published Files",
        ("PublishedFile", "entity"),
        ("sg_published_files", "Asset", "sg_published_files"),
    ),
}
# Link fields every enabled type joins (ShotGrid lists every enabled type there), and those a
# threaded type joins for its Replies and Attachments.
ALWAYS_LINKED = (("EventLogEntry", "entity"),)
THREADED_LINKED = (("Reply", "entity"), ("Attachment", "attachment_links"))


@dataclass(frozen=True)
class SlotState:
    """What the Entities section shows for one slot."""

    name: str
    display_name: str
    plural_name: str
    enabled: bool
    options: tuple[str, ...]
    project: bool
    threaded: bool
    records: int  # live records kept in its table (0 for a slot never enabled)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity_type": self.name,
            "display_name": self.display_name,
            "plural_name": self.plural_name,
            "enabled": self.enabled,
            "options": list(self.options),
            "project_entity": self.project,
            "threaded": self.threaded,
            "records": self.records,
        }


def _require_admin(site: Site, actor: Actor) -> None:
    permissions = site.permissions_for(actor)
    if not permissions.is_admin:
        raise PermissionFault(
            "Enabling, naming and disabling entity types is only allowed for admins. "
            f"Rule: {permissions.role_name}"
        )


def _slot(site: Site, name: Any) -> EntityType:
    if family_of(name) is None:
        raise SchemaFault(
            f"{name!r} is not a custom entity slot: slots are CustomEntity01-75, "
            "CustomNonProjectEntity01-60 and CustomThreadedEntity01-15."
        )
    return slot_of(site.schema, name)


def _state(site: Site, entity: EntityType) -> SlotState:
    family = family_of(entity.name)
    assert family is not None
    stored = site.schema.stored(entity.name) is not None
    return SlotState(
        name=entity.name,
        display_name=entity.display_name,
        plural_name=entity.plural_name or default_plural(entity.display_name),
        enabled=entity.enabled,
        options=entity.slot_options,
        project=family.project,
        threaded=family.threaded,
        records=site.store.live_count(entity.name) if stored else 0,
    )


def list_slots(site: Site, actor: Actor) -> list[SlotState]:
    """Every custom entity slot, enabled or not, in number order."""
    _require_admin(site, actor)
    site.store.revalidate_schema()
    return [_state(site, slot_of(site.schema, name)) for name in slot_names()]


def slot_state(site: Site, actor: Actor, name: str) -> SlotState:
    _require_admin(site, actor)
    site.store.revalidate_schema()
    return _state(site, _slot(site, name))


def _display_name(site: Site, name: str, value: Any, what: str = "display name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueFault(f"{name} needs a non-empty {what}.")
    value = value.strip()
    if len(value) > MAX_NAME_LENGTH:
        raise ValueFault(f"The {what} of {name} is longer than {MAX_NAME_LENGTH} characters.")
    return value


def _check_unique(site: Site, name: str, display_name: str) -> None:
    for other in site.schema:
        if other.name != name and other.display_name.lower() == display_name.lower():
            raise ValueFault(
                f"{other.name} is already named {other.display_name!r}: entity types need "
                "different names."
            )


def _options(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValueFault(f"options must be a list of {sorted(OPTIONS)}, got {value!r}.")
    unknown = sorted(str(o) for o in value if o not in OPTIONS)
    if unknown:
        raise ValueFault(f"Unknown entity type options {unknown}: use {list(OPTIONS)}.")
    return tuple(o for o in OPTIONS if o in value)


def enable_slot(
    site: Site,
    actor: Actor,
    name: str,
    display_name: str,
    plural_name: str | None = None,
    options: Any = None,
) -> SlotState:
    """Enable (or reconfigure) a slot with a display name and its options.

    `options` None keeps the options the slot had (those of its last enabling); a list replaces
    them. A slot enabled before keeps its fields and records.
    """
    _require_admin(site, actor)
    chosen_options = None if options is None else _options(options)

    def change(entity: EntityType) -> EntityType:
        return _enabled(site, entity, display_name, plural_name, chosen_options)

    return _apply(site, actor, name, change)


def _enabled(
    site: Site,
    entity: EntityType,
    display_name: Any,
    plural_name: Any,
    options: tuple[str, ...] | None,
) -> EntityType:
    name = entity.name
    display_name = _display_name(site, name, display_name)
    plural = None if plural_name is None else _display_name(site, name, plural_name, "plural")
    _check_unique(site, name, display_name)
    fields = dict(entity.fields)
    code = renamed_code_field(entity, display_name)
    if code is not None:
        fields["code"] = code
    return replace(
        entity,
        enabled=True,
        display_name=display_name,
        plural_name=plural if plural is not None else entity.plural_name,
        slot_options=entity.slot_options if options is None else options,
        fields=fields,
    )


def rename_slot(
    site: Site, actor: Actor, name: str, display_name: str, plural_name: str | None = None
) -> SlotState:
    """A new display name (and plural) for an enabled slot."""
    _require_admin(site, actor)

    def change(entity: EntityType) -> EntityType:
        if not entity.enabled:
            raise SchemaFault(f"{name} is not enabled: enable it with a name instead.")
        return _enabled(site, entity, display_name, plural_name, None)

    return _apply(site, actor, name, change)


def disable_slot(site: Site, actor: Actor, name: str, *, force: bool = False) -> SlotState:
    """Disable a slot; its records are kept. One that has records needs `force`."""
    _require_admin(site, actor)

    def change(entity: EntityType) -> EntityType:
        if not entity.enabled:
            raise SchemaFault(f"{name} is not enabled.")
        records = site.store.live_count(name)
        if records and not force:
            raise SchemaFault(
                f"{name} ({entity.display_name}) has {records} record(s). Disable it with "
                "force: its records are kept, hidden, and come back when it is enabled again."
            )
        return replace(entity, enabled=False)

    return _apply(site, actor, name, change)


def _apply(
    site: Site, actor: Actor, name: str, change: Callable[[EntityType], EntityType]
) -> SlotState:
    """Change one slot, its link fields and their event rows in one transaction.

    The schema is read again under the schema lock, so two admins changing slots from two server
    processes at once each add their type to `Task.entity` (and the rest), neither losing the
    other's.
    """
    _slot(site, name)  # a Fault for a name that is no slot, before any write
    with site.writing(actor) as ctx:
        site.store.lock_schema(ctx.conn)
        schema = site.schema
        old = slot_of(schema, name)
        new = change(old)
        staged, changes = _staged(schema, new)
        if old == new and not changes:
            return _state(site, new)
        owners = [f.entity_type for pair in changes for f in pair if f is not None]
        site.store.put_entity_types(ctx.conn, staged, list(dict.fromkeys([name, *owners])))
        ctx.events.add(
            EventRow(
                event_type="Shotgun_Preferences_Change",
                entity=None,
                project=None,
                attribute_name=None,
                description=_description(old, new),
                meta={
                    "pref": PREFERENCE,
                    "entity_type": name,
                    "old": _pref(old),
                    "new": _pref(new),
                },
            )
        )
        for before, after in changes:
            ctx.events.add(_column_event(before, after))
    return _state(site, staged.stored(name) or new)


def _staged(
    schema: Schema, new: EntityType
) -> tuple[Schema, list[tuple[Field | None, Field | None]]]:
    """The schema with the slot's new state and its link fields' valid_types, and the fields
    that change: (before or None when added, after or None when removed)."""
    family = family_of(new.name)
    assert family is not None
    wanted_links = set(ALWAYS_LINKED) | (set(THREADED_LINKED) if family.threaded else set())
    wanted_links |= {OPTIONS[o].link for o in new.slot_options}
    if not new.enabled:
        wanted_links = set()
    all_links = set(ALWAYS_LINKED) | set(THREADED_LINKED) | {o.link for o in OPTIONS.values()}
    changes: list[tuple[Field | None, Field | None]] = []
    new = _with_reverse_fields(schema, new, changes)
    staged = schema.with_entity(new)
    for owner_type, field_name in sorted(all_links):
        owner = staged.stored(owner_type)
        if owner is None or field_name not in owner.fields:
            continue
        f = owner.fields[field_name]
        types = list(f.valid_types)
        if (owner_type, field_name) in wanted_links and new.name not in types:
            types.append(new.name)
        elif (owner_type, field_name) not in wanted_links and new.name in types:
            types.remove(new.name)
        else:
            continue
        changed = f.with_changes(properties={**f.properties, "valid_types": types})
        staged = staged.with_field(changed)
        changes.append((f, changed))
    return staged, changes


def _with_reverse_fields(
    schema: Schema, entity: EntityType, changes: list[tuple[Field | None, Field | None]]
) -> EntityType:
    """The slot with the fields its options show links with (tasks, sg_versions, ...), and
    without those of options it no longer has (their links live on the other side, kept)."""
    fields = dict(entity.fields)
    for option_name, option in OPTIONS.items():
        if option.reverse is None:
            continue
        field_name, template_type, template_field = option.reverse
        on = entity.enabled and option_name in entity.slot_options
        if on and field_name not in fields:
            template = schema.stored(template_type)
            if template is None or template_field not in template.fields:
                continue
            added = template.fields[template_field].with_changes(entity_type=entity.name)
            fields[field_name] = added
            changes.append((None, added))
        elif not on and entity.enabled and field_name in fields:
            changes.append((fields.pop(field_name), None))
    return replace(entity, fields=fields)


def _pref(entity: EntityType) -> dict[str, Any]:
    return {
        "enabled": entity.enabled,
        "display_name": entity.display_name,
        "plural_name": entity.plural_name or default_plural(entity.display_name),
        "options": list(entity.slot_options),
    }


def _description(old: EntityType, new: EntityType) -> str:
    if not new.enabled:
        return f"Entity type {new.name} ({old.display_name}) disabled"
    if not old.enabled:
        return f"Entity type {new.name} enabled as {new.display_name!r}"
    return f"Entity type {new.name} changed: {new.display_name!r}"


def _column_event(before: Field | None, after: Field | None) -> EventRow:
    f = after or before
    assert f is not None
    meta: dict[str, Any] = {"entity_type": f.entity_type, "field_name": f.name}
    if before is None:
        event_type, description = "Shotgun_DisplayColumn_New", "created"
        meta["data_type"] = f.data_type
    elif after is None:
        event_type, description = "Shotgun_DisplayColumn_Retirement", "retired"
    else:
        event_type, description = "Shotgun_DisplayColumn_Change", "changed"
        meta.update(
            attribute_name="valid_types",
            old_value=list(before.valid_types),
            new_value=list(after.valid_types),
        )
    return EventRow(
        event_type=event_type,
        entity=None,
        project=None,
        attribute_name=meta.get("attribute_name"),
        description=f"Field {f.qualified_name} {description}",
        meta=meta,
    )
