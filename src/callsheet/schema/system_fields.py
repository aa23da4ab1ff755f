"""The read-only fields of the default schema that the server keeps, and how each is kept.

Every field the default schema marks `editable: false` (other than query, calculated and pivot
fields, which are kinds of their own in store/kinds/) is listed here once, with where its value
comes from, so docs/system-fields.md, the write checks and the code that keeps each value agree.
A field is one of:

- `ON_WRITE`: stamped by the write that creates or changes the record itself (`id`,
  `created_at`, ...);
- `FROM_RECORDS`: computed from other records: either when read, in SQL (`open_notes`), or
  kept by the writes of those records, in the same transaction (`time_logs_sum`);
- `SYSTEM`: set by ShotGrid's own machinery (its web application, its admin pages, its client
  site); an API client never sees it change, so Callsheet keeps what was imported or the default;
- `CONNECTION_SIDE`: a side of a connection entity (`AssetShotConnection.shot`): written through
  the multi-entity field it serves, read-only on the connection row itself.

`tests/schema/test_system_fields.py` checks that every such field of the default schema is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from callsheet.schema.model import Schema

Origin = Literal["ON_WRITE", "FROM_RECORDS", "SYSTEM", "CONNECTION_SIDE"]

# The Note statuses that make a Note "open": the `query` property of the default schema's own
# `open_notes_count` fields (reference/default-schema/schema_read.json, Shot.open_notes_count:
# Notes linked to the current entity whose sg_status_list is opn, ip or rdy).
OPEN_NOTE_STATUSES = ("opn", "ip", "rdy")

# Number fields that repeat the id of a link of the same row, written with it: a live site
# reads {"task_id": 5742, "task": {"id": 5742}} [sg-groundtruth entity_types/Task, the
# task_dependencies read]. (id field, link field) per entity type.
COPIED_LINK_IDS: dict[str, tuple[tuple[str, str], ...]] = {
    "TaskDependency": (("task_id", "task"), ("dependent_task_id", "dependent_task")),
}


@dataclass(frozen=True)
class SystemField:
    """How the server keeps one read-only field (`entity_type` "*": on every type having it)."""

    entity_type: str
    name: str
    origin: Origin
    rule: str  # how the value is computed or why it has none, for people
    source: str  # where ShotGrid's behaviour is documented or measured
    kept_by: str = ""  # the Callsheet module that keeps it ("" when Callsheet keeps nothing)


_GT = "ksallee/sg-groundtruth"  # measurements on a live hosted site, 2026

SYSTEM_FIELDS: tuple[SystemField, ...] = (
    # -- stamped by every write ------------------------------------------------------------------
    SystemField(
        "*",
        "id",
        "ON_WRITE",
        "the next id of the type, given on create",
        "python-api docs, create()",
        "store/rows.py",
    ),
    SystemField(
        "*",
        "created_at",
        "ON_WRITE",
        "the time of the create (a create may give it: migrations)",
        "python-api docs, usage tips 'created_at / created_by'",
        "site/writes.py",
    ),
    SystemField(
        "*",
        "created_by",
        "ON_WRITE",
        "the caller of the create (a create may give it)",
        "python-api docs, usage tips",
        "site/writes.py",
    ),
    SystemField(
        "*",
        "updated_at",
        "ON_WRITE",
        "the time of the last create or update",
        "python-api docs",
        "site/writes.py",
    ),
    SystemField(
        "*",
        "updated_by",
        "ON_WRITE",
        "the caller of the last create or update",
        "python-api docs",
        "site/writes.py",
    ),
    SystemField(
        "EventLogEntry",
        "*",
        "ON_WRITE",
        "every field: written once with the event, never changed",
        "reference/event-log-and-daemons.md",
        "store/events.py",
    ),
    SystemField(
        "TaskDependency",
        "task_id",
        "ON_WRITE",
        "the id of `task`, copied on write",
        f"{_GT} entity_types/Task",
        "site/writes.py, store/links.py",
    ),
    SystemField(
        "TaskDependency",
        "dependent_task_id",
        "ON_WRITE",
        "the id of `dependent_task`",
        f"{_GT} entity_types/Task",
        "site/writes.py, store/links.py",
    ),
    SystemField(
        "Attachment",
        "filename",
        "ON_WRITE",
        "the uploaded file's name",
        f"{_GT} entity_types/Attachment",
        "site/uploads.py",
    ),
    SystemField(
        "Attachment",
        "file_size",
        "ON_WRITE",
        "the uploaded file's size in bytes",
        f"{_GT} entity_types/Attachment",
        "site/uploads.py",
    ),
    SystemField(
        "Attachment",
        "file_extension",
        "ON_WRITE",
        "the uploaded file's extension, filled by ShotGrid's upload processing for some files "
        "only (26/100 on a live site, rule unknown); NOT KEPT: reads null",
        f"{_GT} entity_types/Attachment",
        "",
    ),
    SystemField(
        "Attachment",
        "this_file",
        "ON_WRITE",
        "the upload (or the linked URL or local file)",
        "python-api docs, upload()",
        "site/uploads.py",
    ),
    SystemField(
        "*",
        "image_source_entity",
        "ON_WRITE",
        "the record whose thumbnail `image` shows: the record itself after its own upload, "
        "the Version after a Version's thumbnail rolled up to its `entity` and `sg_task`, "
        "the source of share_thumbnail(); None with no thumbnail",
        f"{_GT} entity_types/Version and probe 007 (filled exactly when `image` is)",
        "site/thumbnail_rollup.py",
    ),
    # -- computed from other records -------------------------------------------------------------
    SystemField(
        "*",
        "open_notes",
        "FROM_RECORDS",
        "the live Notes of the record's `notes` whose sg_status_list is "
        + ", ".join(OPEN_NOTE_STATUSES)
        + " (computed in SQL when read)",
        "default schema, open_notes_count's query property",
        "store/links.py",
    ),
    SystemField(
        "*",
        "open_notes_count",
        "FROM_RECORDS",
        "the number of open Notes: a query field (data type summary, store/kinds/summary.py); "
        "the 7 types whose default dump types it `text` (CustomEntity01, ..., PublishedFile) "
        "keep it as plain stored text, null unless imported",
        "default schema, open_notes_count's query property",
        "store/kinds/summary.py",
    ),
    SystemField(
        "Task",
        "sibling_tasks",
        "FROM_RECORDS",
        "the other live Tasks with the same `entity` (computed in SQL when read); refused in "
        "writes",
        f"{_GT} entity_types/Task (read only)",
        "store/links.py",
    ),
    SystemField(
        "Task",
        "time_logs_sum",
        "FROM_RECORDS",
        "the sum of the live TimeLogs' durations",
        f"{_GT} entity_types/Task, entity_types/TimeLog",
        "site/scheduling/time_logs.py",
    ),
    SystemField(
        "Task",
        "time_vs_est",
        "FROM_RECORDS",
        "est_in_mins - time_logs_sum",
        f"{_GT} entity_types/Task (est_in_mins 600, nothing logged: 600)",
        "site/scheduling/time_logs.py",
    ),
    SystemField(
        "Task",
        "time_percent_of_est",
        "FROM_RECORDS",
        "time_logs_sum * 100 / est_in_mins",
        f"{_GT} entity_types/Task",
        "site/scheduling/time_logs.py",
    ),
    SystemField(
        "Task",
        "dependency_violation",
        "FROM_RECORDS",
        "true when the Task starts before its upstream Tasks allow",
        f"{_GT} 087, 092",
        "site/scheduling/dependencies.py",
    ),
    SystemField(
        "Ticket",
        "time_logs_sum",
        "FROM_RECORDS",
        "the sum of the live TimeLogs' durations on the Ticket",
        "default schema (TimeLog.entity accepts Ticket)",
        "site/rollups.py",
    ),
    SystemField(
        "Tag",
        "usage",
        "FROM_RECORDS",
        "the number of records tagged with the Tag",
        "default schema description 'Usage Count'",
        "site/rollups.py",
    ),
    SystemField(
        "TaskTemplate",
        "task_count",
        "FROM_RECORDS",
        "the number of the template's live Tasks (Tasks whose task_template is it)",
        "default schema; site/scheduling/templates.py",
        "site/rollups.py",
    ),
    SystemField(
        "Playlist",
        "external_share_count",
        "FROM_RECORDS",
        "the number of PlaylistShares of the Playlist (the client review site)",
        "default schema 'Shares via Client Site'",
        "site/rollups.py",
    ),
    SystemField(
        "Task",
        "split_durations",
        "FROM_RECORDS",
        "the pieces of a Task split on the web Gantt chart (no API write makes them); "
        "NOT KEPT: reads null",
        "default schema",
        "",
    ),
    SystemField(
        "Project",
        "duration",
        "FROM_RECORDS",
        "the Project's scheduled span, from its Tasks (the rule is not documented or measured); "
        "NOT KEPT: reads null",
        "default schema",
        "",
    ),
    SystemField(
        "Project",
        "start_date",
        "FROM_RECORDS",
        "the first start_date of the Project's Tasks (assumed; not documented or measured); "
        "NOT KEPT: reads null",
        "default schema",
        "",
    ),
    SystemField(
        "Project",
        "end_date",
        "FROM_RECORDS",
        "the last due_date of the Project's Tasks (assumed; not documented or measured); "
        "NOT KEPT: reads null",
        "default schema",
        "",
    ),
    # -- ShotGrid's own machinery ------------------------------------------------------------------
    SystemField(
        "HumanUser",
        "permission_rule_set",
        "SYSTEM",
        "the person's permission role: the schema says not editable, yet admins set it (the "
        "Admin pages, and the API for admins); a new person gets the site's default role",
        "ShotGrid admin guide, Permissions; site/writes.py EDITABLE_ANYWAY",
        "site/writes.py, site/permissions/",
    ),
    SystemField(
        "ApiUser",
        "permission_rule_set",
        "SYSTEM",
        "the script's permission role, set by admins as for a HumanUser",
        "ShotGrid admin guide, Permissions",
        "site/writes.py, site/permissions/",
    ),
    SystemField(
        "Note",
        "client_note",
        "SYSTEM",
        "set by the web application's client review only: a create with True is refused "
        "('Client Notes can not be created through the API'), an update with any value too",
        f"{_GT} 069",
        "site/writes.py",
    ),
)

# Read-only fields of the default schema that only ShotGrid's web application, admin pages or
# hosted services change (per-viewer times, page statistics, licences, merges, locks, media
# processing). Nothing reaches them through the API; Callsheet keeps the imported value or the
# default. Named here so the table in docs/system-fields.md is complete.
_SYSTEM_ONLY: dict[str, tuple[str, ...]] = {
    "Attachment": ("local_storage", "processing_status", "queue_for_s3_upload"),
    "Delivery": ("delivery_number",),
    "Element": (
        "smart_cut_summary_display",
        "smart_duration_summary_display",
        "smart_working_duration",
    ),
    "Shot": (
        "smart_cut_summary_display",
        "smart_duration_summary_display",
        "smart_working_duration",
    ),
    "HumanUser": ("merge_in_progress", "oxygen_user_id"),
    "Icon": ("url", "uuid"),
    "LocalStorage": ("uuid",),
    "Note": ("suppress_email_notif",),
    "Page": (
        "accesses_by_current_user",
        "admin",
        "current_user_can_see",
        "default_type",
        "entity_type",
        "hits_last_month",
        "last_accessed",
        "last_accessed_by_current_user",
        "page_type",
        "system_owned",
        "ui_category",
    ),
    "PermissionRuleSet": ("code", "display_name", "entity_type", "parent_set"),
    "Playlist": ("locked_at", "locked_by", "media_center_viewed_by_current_user_at"),
    "PlaylistShare": (
        "access_key",
        "last_accessed",
        "playlist",
        "revoked_at",
        "revoked_by",
        "user",
    ),
    "Project": (
        "is_demo",
        "is_template",
        "is_template_project",
        "landing_page_url",
        "layout_project",
    ),
    "Status": ("code", "system"),
    "Step": ("entity_type",),
    "TaskTemplate": ("entity_type",),
    "Task": ("inventory_date",),
    "TankPublishedFile": (
        "entity",
        "name",
        "path",
        "path_cache",
        "path_cache_storage",
        "tank_type",
        "task",
        "version_number",
    ),
    "Version": ("viewed_by_current_user_at",),
    "Composition": ("content",),
}
SYSTEM_FIELDS += tuple(
    SystemField(
        entity_type,
        name,
        "SYSTEM",
        "changed only by ShotGrid's web application or services, never by the API",
        "default schema (editable false)",
    )
    for entity_type, names in _SYSTEM_ONLY.items()
    for name in names
)

# Connection entities and the dependency rows (callsheet.schema.links pairs them the same way).
_CONNECTION_SUFFIXES = ("Connection", "Dependency")

_BY_KEY = {(f.entity_type, f.name): f for f in SYSTEM_FIELDS}


def system_field(schema: Schema, entity_type: str, name: str) -> SystemField | None:
    """How the server keeps `entity_type.name`, or None when it is not a kept field."""
    found = _BY_KEY.get((entity_type, name)) or _BY_KEY.get((entity_type, "*"))
    if found is None:
        found = _BY_KEY.get(("*", name))
    if found is None and entity_type in schema and entity_type.endswith(_CONNECTION_SUFFIXES):
        f = schema.entity(entity_type).fields.get(name)
        if f is not None and f.traits.is_single_link:
            return SystemField(
                entity_type,
                name,
                "CONNECTION_SIDE",
                "a side of the connection: written through the multi-entity field it serves",
                "reference/data-model.md §4.4",
            )
    return found
