"""What a grid shows: each entity type's usual columns, its fields as the page's script sees them,
and the entity types of the project and site navigation."""

from __future__ import annotations

from typing import Any

from callsheet.schema.model import Field, Schema

# The columns a coordinator expects on a new page, in ShotGrid's default layouts' spirit.
# Names missing from a site's schema are skipped.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "Shot": (
        "image",
        "code",
        "sg_sequence",
        "sg_status_list",
        "description",
        "sg_cut_in",
        "sg_cut_out",
        "task_template",
        "tags",
    ),
    "Asset": (
        "image",
        "code",
        "sg_asset_type",
        "sg_status_list",
        "description",
        "task_template",
        "tags",
    ),
    "Sequence": ("image", "code", "sg_status_list", "description", "tags"),
    "Episode": ("image", "code", "sg_status_list", "description", "tags"),
    "Scene": ("image", "code", "sg_status_list", "description"),
    "Task": (
        "content",
        "entity",
        "step",
        "task_assignees",
        "sg_status_list",
        "start_date",
        "due_date",
    ),
    "Version": ("image", "code", "entity", "sg_task", "sg_status_list", "user", "created_at"),
    "Note": (
        "subject",
        "content",
        "note_links",
        "addressings_to",
        "user",
        "sg_status_list",
        "created_at",
    ),
    "PublishedFile": (
        "image",
        "code",
        "entity",
        "task",
        "published_file_type",
        "version_number",
        "sg_status_list",
        "created_by",
        "created_at",
    ),
    "Playlist": (
        "image",
        "code",
        "description",
        "sg_date_and_time",
        "locked",
        "created_by",
        "updated_at",
    ),
    "TimeLog": ("date", "user", "entity", "duration", "description"),
    "Ticket": (
        "title",
        "sg_status_list",
        "sg_priority",
        "addressings_to",
        "created_by",
        "created_at",
    ),
    "Delivery": ("title", "sg_status_list", "description", "created_by", "created_at"),
    "Cut": ("code", "entity", "version", "revision_number", "description", "created_at"),
    "HumanUser": (
        "image",
        "name",
        "login",
        "email",
        "department",
        "permission_rule_set",
        "sg_status_list",
    ),
    "ApiUser": ("firstname", "description", "permission_rule_set", "sg_status_list", "created_at"),
    "Project": ("image", "name", "sg_status", "sg_description", "is_template", "updated_at"),
    "Step": ("code", "short_name", "entity_type", "color", "list_order"),
    "Group": ("code", "users"),
    "Department": ("name", "code"),
    "PublishedFileType": ("code", "short_name", "description"),
    "TaskTemplate": ("code", "entity_type", "description"),
    "Tag": ("name",),
    "Page": ("name", "entity_type", "page_type", "project", "last_accessed"),
    "EventLogEntry": ("created_at", "event_type", "description", "entity", "user"),
}
# Fallback for any other type: a picture, its name, its status and when it changed.
FALLBACK_EXTRA = ("sg_status_list", "description", "created_by", "updated_at")

# The tabs a project's navigation shows first; every other project type is under "More".
PROJECT_TABS = (
    "Shot",
    "Asset",
    "Sequence",
    "Task",
    "Version",
    "Note",
    "PublishedFile",
    "Playlist",
)
SITE_TABS = (
    "Project",
    "HumanUser",
    "Group",
    "Department",
    "Step",
    "PublishedFileType",
    "TaskTemplate",
    "Tag",
)
# Types whose pages the navigation does not offer: link tables and the pages themselves.
HIDDEN_FROM_NAV = ("PageHit", "PageSetting", "AppWelcomeUserConnection", "BannerUserConnection")


def default_columns(schema: Schema, entity_type: str) -> list[str]:
    """The usual columns of a type, only those its schema has."""
    entity = schema.entity(entity_type)
    wanted = DEFAULT_COLUMNS.get(entity_type)
    if wanted is None:
        name = entity.display_name_field
        wanted = ("image", *((name,) if name else ()), *FALLBACK_EXTRA)
    return [name for name in wanted if name in entity.fields]


def shows_in_nav(schema: Schema, name: str) -> bool:
    """Whether an entity type gets a page in the navigation (no link tables, no disabled types)."""
    entity = schema.entity(name)
    return bool(entity.visible) and not name.endswith("Connection") and name not in HIDDEN_FROM_NAV


def nav_types(schema: Schema, project: bool) -> tuple[list[str], list[str]]:
    """(tabs, more): the types of the project (or site-wide) navigation, "More" sorted by name."""
    tabs = PROJECT_TABS if project else SITE_TABS
    wanted = [e.name for e in schema if e.is_project_entity == project]
    shown = [name for name in wanted if shows_in_nav(schema, name)]
    first = [name for name in tabs if name in shown]
    more = sorted((n for n in shown if n not in first), key=lambda n: schema.entity(n).display_name)
    return first, more


def _is_editable(f: Field) -> bool:
    return f.editable and f.traits.page_editable


def describe_field(
    f: Field, statuses: dict[str, dict[str, Any]], display_name_fields: dict[str, str | None]
) -> dict[str, Any]:
    """A field as the page's script uses it: how to show, sort, filter and edit it."""
    traits = f.traits
    described: dict[str, Any] = {
        "name": f.name,
        "display_name": f.display_name,
        "data_type": f.data_type,
        "editable": _is_editable(f),
        "sortable": traits.sortable,
        "operators": list(traits.operators),
        "valid_values": list(f.valid_values),
        "valid_types": list(f.valid_types),
        "mandatory": f.mandatory,
    }
    if traits.statuses:
        described["value_labels"] = {
            code: statuses[code]["name"] for code in f.valid_values if code in statuses
        }
        described["value_colors"] = {
            code: statuses[code]["color"]
            for code in f.valid_values
            if statuses.get(code, {}).get("color")
        }
    if traits.link in ("single", "multi"):  # the people a Note addresses show as names
        described["display_name_fields"] = {
            t: display_name_fields.get(t) for t in f.valid_types if t in display_name_fields
        }
    return described


def describe_fields(
    schema: Schema, entity_type: str, statuses: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Every field of a type (visible ones), keyed by system name."""
    names = {e.name: e.display_name_field for e in schema}
    entity = schema.entity(entity_type)
    return {
        f.name: describe_field(f, statuses, names)
        for f in entity.fields.values()
        if f.visible is not False and not f.traits.secret
    }
