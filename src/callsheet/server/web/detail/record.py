"""What a detail page shows of its entity: the record, its title and status, its fields in groups.

Fields come from the schema as the signed-in person sees it for the entity's project (per-project
visibility, and the person's field permissions where the site has them); values are read through
the engine in one find. Which fields count as "main" is a per-type list of what a coordinator
looks at first (ShotGrid's detail pages lead with the same ones); the rest follow by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from callsheet.faults import NotFoundFault, SchemaFault
from callsheet.schema.data_types import traits_of
from callsheet.schema.model import SYSTEM_FIELDS, EntityType, Field
from callsheet.server.web.values import status_color
from callsheet.site.actor import Actor
from callsheet.site.site import Site

# Never on the page: secrets, and per-Step pivot columns (a grid feature, empty in a record).
# Shown in the header rather than the fields panel.
THUMBNAIL_FIELD = "image"
STATUS_FIELDS = ("sg_status_list", "sg_status")
# Fields the engine maintains or that move a record between projects: shown, never edited here.
READ_ONLY_HERE = frozenset({"project", "cached_display_name", "image_source_entity"})
SYSTEM_GROUP = (
    "id",
    "project",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "cached_display_name",
)

MAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "Project": (
        "name",
        "sg_description",
        "sg_status",
        "sg_type",
        "start_date",
        "end_date",
        "users",
        "archived",
        "is_template",
        "tank_name",
    ),
    "Sequence": ("code", "description", "sg_status_list", "shots", "assets", "tags"),
    "Shot": (
        "code",
        "description",
        "sg_status_list",
        "sg_sequence",
        "assets",
        "sg_shot_type",
        "sg_cut_in",
        "sg_cut_out",
        "sg_cut_duration",
        "sg_head_in",
        "sg_tail_out",
        "tags",
    ),
    "Asset": (
        "code",
        "description",
        "sg_status_list",
        "sg_asset_type",
        "shots",
        "sequences",
        "parents",
        "tags",
    ),
    "Task": (
        "content",
        "entity",
        "step",
        "sg_status_list",
        "task_assignees",
        "task_reviewers",
        "start_date",
        "due_date",
        "duration",
        "est_in_mins",
        "time_logs_sum",
        "milestone",
        "upstream_tasks",
        "downstream_tasks",
    ),
    "Version": (
        "code",
        "description",
        "sg_status_list",
        "entity",
        "sg_task",
        "user",
        "sg_uploaded_movie",
        "sg_path_to_movie",
        "sg_path_to_frames",
        "frame_count",
        "sg_first_frame",
        "sg_last_frame",
        "playlists",
        "tags",
    ),
    "PublishedFile": (
        "code",
        "name",
        "description",
        "path",
        "published_file_type",
        "version_number",
        "version",
        "task",
        "entity",
        "sg_status_list",
    ),
    "Playlist": ("code", "description", "versions", "sg_date_and_time", "locked"),
    "Note": (
        "subject",
        "content",
        "user",
        "note_links",
        "tasks",
        "addressings_to",
        "addressings_cc",
        "sg_note_type",
        "sg_status_list",
        "attachments",
    ),
    "Reply": ("content", "entity", "user"),
    "HumanUser": (
        "name",
        "firstname",
        "lastname",
        "login",
        "email",
        "sg_status_list",
        "permission_rule_set",
        "department",
        "groups",
        "projects",
    ),
    "ApiUser": (
        "firstname",
        "description",
        "permission_rule_set",
        "projects",
        "generate_event_log_entries",
        "sg_status_list",
    ),
    "Group": ("code", "users", "sg_status_list"),
    "Department": ("name", "code", "department_type", "users", "sg_status_list"),
    "Step": (
        "code",
        "short_name",
        "entity_type",
        "color",
        "department",
        "list_order",
        "description",
    ),
    "TimeLog": ("description", "entity", "user", "date", "duration"),
    "Attachment": (
        "filename",
        "display_name",
        "this_file",
        "attachment_links",
        "description",
        "file_size",
        "tag_list",
    ),
    "Ticket": (
        "title",
        "description",
        "sg_status_list",
        "sg_priority",
        "sg_ticket_type",
        "addressings_to",
        "addressings_cc",
    ),
    "ActionMenuItem": (
        "title",
        "entity_type",
        "url",
        "folder",
        "list_order",
        "selection_required",
        "projects",
        "permissions_groups",
    ),
}
# Types without a list: their name field, status, description and the links they make.
GENERIC_MAIN = ("description", "sg_description", "entity", "user", "sg_status_list", "sg_status")


class EntityMissingFault(NotFoundFault):
    """The detail page's entity does not exist, was retired, or its type is unknown."""


@dataclass
class FieldView:
    """One field as the detail page shows it."""

    name: str
    display_name: str
    data_type: str
    editable: bool
    value: Any
    schema: dict[str, Any]  # the field as schema_field_read describes it (for the editors)

    @property
    def properties(self) -> dict[str, Any]:
        return {k: v.get("value") for k, v in (self.schema.get("properties") or {}).items()}

    def editor_schema(self, display_name_fields: Mapping[str, str | None]) -> dict[str, Any]:
        """The field in the shared editors' normalised shape (static/editors.js)."""
        props = self.properties
        hidden = set(props.get("hidden_values") or ())
        valid_values = [v for v in props.get("valid_values") or () if v not in hidden]
        valid_types = list(props.get("valid_types") or ())
        shape: dict[str, Any] = {
            "name": self.name,
            "display_name": self.display_name,
            "data_type": self.data_type,
            "editable": self.editable,
            "valid_values": valid_values,
            "valid_types": valid_types,
        }
        if traits_of(self.data_type).statuses:
            labels = props.get("display_values") or {}
            shape["value_labels"] = {code: labels.get(code, code) for code in valid_values}
            shape["value_colors"] = {code: status_color(code) for code in valid_values}
        if valid_types:
            shape["display_name_fields"] = {
                t: display_name_fields.get(t) for t in valid_types if t in display_name_fields
            }
        return shape


@dataclass
class FieldGroup:
    """A titled group of fields (Main, More, System)."""

    title: str
    fields: list[FieldView]


@dataclass
class DetailRecord:
    """The entity of a detail page, ready for the template."""

    entity_type: str
    id: int
    type_display_name: str
    record: dict[str, Any]
    title: str
    project: dict[str, Any] | None
    status: FieldView | None
    thumbnail: FieldView | None
    thumbnail_editable: bool = False
    groups: list[FieldGroup] = field(default_factory=list)

    @property
    def link(self) -> dict[str, Any]:
        return {"type": self.entity_type, "id": self.id, "name": self.title}


def parse_entity_id(text: str) -> int | None:
    """The id in a detail URL, or None when it is not a positive integer of sane length."""
    return int(text) if text.isdigit() and 0 < len(text) <= 10 and int(text) > 0 else None


def entity_type_of(site: Site, name: str) -> EntityType:
    """The schema's entity type, or the page's not-found fault."""
    try:
        return site.schema.entity(name)
    except SchemaFault:
        raise EntityMissingFault(f"There is no entity type named {name!r}.") from None


def title_of(entity: EntityType, record: Mapping[str, Any]) -> str:
    """What the page calls the entity: its display name field, else Type #id."""
    name_field = entity.display_name_field
    value = record.get(name_field) if name_field else None
    return str(value) if value not in (None, "") else f"{entity.display_name} #{record.get('id')}"


def permissions_of(site: Site, actor: Actor) -> Any:
    """The person's permissions, to offer only what they may do (None: offer everything).

    Only what the page offers depends on it; the engine enforces the rules on every call.
    """
    permissions_for = getattr(site, "permissions_for", None)
    return permissions_for(actor) if permissions_for else None


def may(permissions: Any, entity_type: str, action: str) -> bool:
    """Whether the role allows `action` on some entities of the type (True without rules)."""
    return permissions is None or bool(permissions.may(entity_type, action))


def _visible(f: Field, wire: Mapping[str, Any] | None, permissions: Any) -> bool:
    if not f.traits.on_detail_page or wire is None:
        return False
    if (wire.get("visible") or {}).get("value") is False:
        return False
    return permissions is None or bool(permissions.field_visible(f.entity_type, f.name))


def _editable(f: Field, permissions: Any) -> bool:
    if not f.editable or not f.traits.page_editable:
        return False
    if f.name in SYSTEM_FIELDS or f.name in READ_ONLY_HERE:
        return False
    return _may_edit(f, permissions)


def _may_edit(f: Field, permissions: Any) -> bool:
    if permissions is None:
        return True
    return may(permissions, f.entity_type, "update") and bool(
        permissions.field_editable(f.entity_type, f.name)
    )


def _main_names(entity: EntityType) -> list[str]:
    names = list(MAIN_FIELDS.get(entity.name, ()))
    if not names:
        names = [n for n in (entity.display_name_field, *GENERIC_MAIN) if n]
    return [n for n in dict.fromkeys(names) if n in entity.fields]


def group_fields(entity: EntityType, views: Mapping[str, FieldView]) -> list[FieldGroup]:
    """Main fields in their usual order, then the rest by display name, then system fields."""
    main = [views[n] for n in _main_names(entity) if n in views]
    excluded = {v.name for v in main} | set(SYSTEM_GROUP) | {THUMBNAIL_FIELD}
    rest = sorted(
        (v for n, v in views.items() if n not in excluded),
        key=lambda v: (v.display_name.lower(), v.name),
    )
    system = [views[n] for n in SYSTEM_GROUP if n in views]
    groups = [
        FieldGroup("Main", main),
        FieldGroup("More fields", rest),
        FieldGroup("System", system),
    ]
    return [g for g in groups if g.fields]


def load_record(site: Site, actor: Actor, entity_type: str, entity_id: int) -> DetailRecord:
    """The entity with every field the person may see, or EntityMissingFault."""
    entity = entity_type_of(site, entity_type)
    permissions = permissions_of(site, actor)
    found = site.find_one(actor, entity_type, [["id", "is", entity_id]], ["project"])
    if found is None:
        raise EntityMissingFault(_missing_message(site, actor, entity, entity_id))
    project = found.get("project") if entity.is_project_entity else None
    if entity_type == "Project":
        project = {"type": "Project", "id": entity_id}
    wire = site.schema_field_read(actor, entity_type, project_entity=project)
    shown = [f for f in entity.fields.values() if _visible(f, wire.get(f.name), permissions)]
    record = site.find_one(actor, entity_type, [["id", "is", entity_id]], [f.name for f in shown])
    if record is None:  # retired between the two reads
        raise EntityMissingFault(_missing_message(site, actor, entity, entity_id))
    views = {
        f.name: FieldView(
            f.name,
            str((wire[f.name].get("name") or {}).get("value") or f.display_name),
            f.data_type,
            _editable(f, permissions),
            record.get(f.name),
            wire[f.name],
        )
        for f in shown
    }
    if entity_type == "Project":
        project = {"type": "Project", "id": entity_id, "name": record.get("name")}
    status = next((views[s] for s in STATUS_FIELDS if s in views), None)
    return DetailRecord(
        entity_type=entity_type,
        id=entity_id,
        type_display_name=entity.display_name,
        record=record,
        title=title_of(entity, record),
        project=project if isinstance(project, dict) else None,
        status=status,
        thumbnail=views.get(THUMBNAIL_FIELD),
        thumbnail_editable=THUMBNAIL_FIELD in views
        and _may_edit(entity.fields[THUMBNAIL_FIELD], permissions),
        groups=group_fields(entity, views),
    )


def _missing_message(site: Site, actor: Actor, entity: EntityType, entity_id: int) -> str:
    retired = site.find_one(
        actor, entity.name, [["id", "is", entity_id]], ["id"], retired_only=True
    )
    if retired is not None:
        return f"{entity.display_name} {entity_id} was retired (moved to the trash)."
    return f"There is no {entity.display_name} with id {entity_id}."
