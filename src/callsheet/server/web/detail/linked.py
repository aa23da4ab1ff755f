"""Linked records on a detail page: small tables of the records that point at the entity.

Each section is "records of type T whose field F points here" (a Shot's Tasks are Tasks whose
`entity` is the Shot). The usual ones per type are listed below in the order a coordinator reads
them; any other type gets its reverse links from the schema (entity fields of other types that can
point at it). Every read goes through the engine as the signed-in person, so what a role may not
see is simply not there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callsheet.faults import Fault, ValueFault
from callsheet.schema.model import SYSTEM_FIELDS, EntityType
from callsheet.site.actor import Actor
from callsheet.site.site import Site

ROWS_SHOWN = 10
ROWS_ALL_MAX = 500
GENERIC_SECTIONS_MAX = 6  # shown, of the non-empty ones
GENERIC_SECTIONS_READ = 12  # reverse links tried
# Link fields that say who made or changed a record, not what it is about.
AUTHOR_FIELDS = frozenset({*SYSTEM_FIELDS, "user", "sudo_actual_user"})
# Links that make a section of linked records (schema/data_types.py): entity and multi-entity
# fields; the people a Note addresses are its recipients, not records linked to it.
SECTION_LINKS = ("single", "multi")
# Types whose rows are bookkeeping rather than production records.
BOOKKEEPING_TYPES = frozenset(
    {
        "EventLogEntry",
        "Page",
        "PageSetting",
        "PageHit",
        "AppWelcomeUserConnection",
        "Attachment",
        "FilesystemLocation",
        "Banner",
        "Icon",
        "ActionMenuItem",
        "PermissionRuleSet",
        "Reading",
        "Status",
        "Tag",
        "TaskDependency",
        "Reply",
        "Note",
        "Project",
        "PipelineConfiguration",
    }
)
# The columns of each linked type's table (names missing from the schema are skipped).
COLUMNS: dict[str, tuple[str, ...]] = {
    "Task": ("content", "step", "sg_status_list", "task_assignees", "start_date", "due_date"),
    "Version": ("image", "code", "sg_status_list", "user", "created_at", "description"),
    "Shot": ("image", "code", "sg_status_list", "sg_sequence", "description"),
    "Asset": ("image", "code", "sg_asset_type", "sg_status_list", "description"),
    "Sequence": ("image", "code", "sg_status_list", "description"),
    "PublishedFile": ("code", "published_file_type", "version_number", "created_by", "created_at"),
    "Playlist": ("code", "description", "sg_date_and_time", "updated_at"),
    "TimeLog": ("date", "user", "duration", "description"),
    "HumanUser": ("image", "name", "login", "email", "sg_status_list"),
}
ORDER: dict[str, tuple[str, str]] = {
    "Task": ("content", "asc"),
    "Shot": ("code", "asc"),
    "Asset": ("code", "asc"),
    "Sequence": ("code", "asc"),
    "HumanUser": ("name", "asc"),
}


@dataclass(frozen=True)
class SectionSpec:
    """Records of `entity_type` whose `field` points at the detail page's entity."""

    title: str
    entity_type: str
    field: str


SECTIONS: dict[str, tuple[SectionSpec, ...]] = {
    "Project": (
        SectionSpec("Sequences", "Sequence", "project"),
        SectionSpec("Shots", "Shot", "project"),
        SectionSpec("Assets", "Asset", "project"),
        SectionSpec("Versions", "Version", "project"),
        SectionSpec("Playlists", "Playlist", "project"),
    ),
    "Sequence": (
        SectionSpec("Shots", "Shot", "sg_sequence"),
        SectionSpec("Tasks", "Task", "entity"),
        SectionSpec("Versions", "Version", "entity"),
        SectionSpec("Assets", "Asset", "sequences"),
    ),
    "Shot": (
        SectionSpec("Tasks", "Task", "entity"),
        SectionSpec("Versions", "Version", "entity"),
        SectionSpec("Assets", "Asset", "shots"),
        SectionSpec("Published Files", "PublishedFile", "entity"),
    ),
    "Asset": (
        SectionSpec("Tasks", "Task", "entity"),
        SectionSpec("Versions", "Version", "entity"),
        SectionSpec("Shots", "Shot", "assets"),
        SectionSpec("Published Files", "PublishedFile", "entity"),
    ),
    "Task": (
        SectionSpec("Versions", "Version", "sg_task"),
        SectionSpec("Time Logs", "TimeLog", "entity"),
        SectionSpec("Published Files", "PublishedFile", "task"),
    ),
    "Version": (
        SectionSpec("Playlists", "Playlist", "versions"),
        SectionSpec("Published Files", "PublishedFile", "version"),
    ),
    "Playlist": (SectionSpec("Versions", "Version", "playlists"),),
    "HumanUser": (
        SectionSpec("Assigned Tasks", "Task", "task_assignees"),
        SectionSpec("Versions", "Version", "user"),
    ),
    "Group": (SectionSpec("People", "HumanUser", "groups"),),
    "Note": (),
    "Reply": (),
}


@dataclass(frozen=True)
class Column:
    """One column of a linked table."""

    name: str
    label: str
    data_type: str
    properties: dict[str, Any]


@dataclass
class LinkedSection:
    """One section's rows, ready for the template."""

    spec: SectionSpec
    columns: list[Column]
    name_field: str | None  # the column that links to the record's detail page
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    see_all_url: str = ""
    error: str = ""


def list_url(entity_type: str, project: dict[str, Any] | None) -> str:
    """The entity page (grid) of `entity_type`: the project's when there is one, else site-wide."""
    if project and project.get("id"):
        return f"/project/{int(project['id'])}/{entity_type}"
    return f"/list/{entity_type}"


def sections_for(site: Site, entity: EntityType) -> list[SectionSpec]:
    """The usual sections of the type, or its reverse links from the schema."""
    known = SECTIONS.get(entity.name)
    if known is not None:
        return [s for s in known if _points_at(site, s, entity.name)]
    return reverse_links(site, entity)[:GENERIC_SECTIONS_READ]


def _points_at(site: Site, spec: SectionSpec, target_type: str) -> bool:
    if spec.entity_type not in site.schema:
        return False
    f = site.schema.entity(spec.entity_type).fields.get(spec.field)
    return (
        f is not None
        and f.traits.link in SECTION_LINKS
        and (target_type in f.valid_types or (spec.field == "project" and target_type == "Project"))
    )


def reverse_links(site: Site, entity: EntityType) -> list[SectionSpec]:
    """Entity fields of other types that can point at `entity`'s type, most specific first.

    A field made for this type (`Task.step` -> Step) says more than one that can point at
    anything (`Note.note_links`); read-only links (`image_source_entity`) are the server's own.
    """
    found = []
    for other in site.schema:
        if other.name in BOOKKEEPING_TYPES or other.name.endswith("Connection"):
            continue
        if other.visible is False or other.name == entity.name:
            continue
        for f in other.fields.values():
            if f.traits.link not in SECTION_LINKS or f.name in AUTHOR_FIELDS:
                continue
            if not f.editable or entity.name not in f.valid_types:
                continue
            title = (
                other.display_name
                if f.name == "entity"
                else f"{other.display_name} ({f.display_name})"
            )
            rank = (len(f.valid_types), not f.traits.is_single_link, other.display_name, f.name)
            found.append((rank, SectionSpec(title, other.name, f.name)))
    return [spec for _, spec in sorted(found, key=lambda item: item[0])]


def _columns(site: Site, entity_type: str) -> list[Column]:
    linked = site.schema.entity(entity_type)
    names = COLUMNS.get(entity_type) or tuple(
        n for n in (linked.display_name_field, "sg_status_list", "updated_at") if n
    )
    return [
        Column(n, f.display_name, f.data_type, dict(f.properties))
        for n in names
        if (f := linked.fields.get(n)) is not None
    ]


def _order(entity_type: str) -> list[dict[str, str]]:
    name, direction = ORDER.get(entity_type, ("created_at", "desc"))
    return [{"field_name": name, "direction": direction}, {"field_name": "id", "direction": "desc"}]


def _in_projects(site: Site, spec: SectionSpec) -> bool:
    return site.schema.entity(spec.entity_type).is_project_entity


def read_section(
    site: Site,
    actor: Actor,
    spec: SectionSpec,
    target: dict[str, Any],
    project: Any,
    limit: int = ROWS_SHOWN,
) -> LinkedSection:
    """The first `limit` rows of one section and how many there are in all."""
    columns = _columns(site, spec.entity_type)
    name_field = site.schema.entity(spec.entity_type).display_name_field
    section = LinkedSection(
        spec,
        columns,
        name_field if any(c.name == name_field for c in columns) else None,
        see_all_url=list_url(spec.entity_type, project if _in_projects(site, spec) else None),
    )
    link = {"type": target["type"], "id": target["id"]}
    filters = [[spec.field, "is", link]]
    try:
        section.rows = site.find(
            actor,
            spec.entity_type,
            filters,
            [c.name for c in columns],
            order=_order(spec.entity_type),
            limit=limit,
        )
        if len(section.rows) < limit:
            section.total = len(section.rows)
        else:
            summary = site.summarize(
                actor, spec.entity_type, filters, [{"field": "id", "type": "count"}]
            )
            section.total = int((summary.get("summaries") or {}).get("id") or 0)
    except Fault as fault:
        # A role that may not read this type still sees the rest of the page.
        section.error = fault.message
    return section


def find_spec(site: Site, entity: EntityType, linked_type: Any, field_name: Any) -> SectionSpec:
    """One of the entity's sections, named by its linked type and field (else a Fault)."""
    for spec in sections_for(site, entity):
        if spec.entity_type == linked_type and spec.field == field_name:
            return spec
    raise ValueFault(f"{entity.display_name} pages list no {linked_type}.{field_name} records.")


def read_sections(
    site: Site, actor: Actor, entity: EntityType, target: dict[str, Any], project: Any
) -> list[LinkedSection]:
    """Every linked section of the entity; generic reverse links only when they have rows."""
    specs = sections_for(site, entity)
    sections = [read_section(site, actor, spec, target, project) for spec in specs]
    if entity.name not in SECTIONS:
        sections = [s for s in sections if s.rows][:GENERIC_SECTIONS_MAX]
    return sections


@dataclass(frozen=True)
class Media:
    """One playable thing of a Version: the uploaded movie, or a path to the movie or frames."""

    field_name: str
    label: str
    name: str
    url: str  # "" when the path cannot be linked
    path: str | None = None  # a path to copy for RV or a shell
    playable: bool = False  # the browser can play it in a <video>


MEDIA_PATHS = (("sg_path_to_movie", "Path to movie"), ("sg_path_to_frames", "Path to frames"))
BROWSER_VIDEO = (".mp4", ".webm", ".m4v")


def media_of(record: dict[str, Any]) -> list[Media]:
    """A Version's playable media: the uploaded movie, the movie path, the frames path."""
    media: list[Media] = []
    uploaded = record.get("sg_uploaded_movie")
    if isinstance(uploaded, str) and uploaded:
        uploaded = {"url": uploaded, "name": uploaded}
    if isinstance(uploaded, dict) and (uploaded.get("url") or uploaded.get("local_path")):
        url = str(uploaded.get("url") or "")
        path = uploaded.get("local_path")
        name = str(uploaded.get("name") or path or url)
        video = str(uploaded.get("content_type") or "").startswith("video/")
        # Only files uploaded here play in the page: the page's CSP loads media from itself.
        uploaded_here = uploaded.get("link_type") == "upload"
        playable = bool(url) and uploaded_here and (video or name.lower().endswith(BROWSER_VIDEO))
        media.append(Media("sg_uploaded_movie", "Uploaded movie", name, url, path, playable))
    for name, label in MEDIA_PATHS:
        value = record.get(name)
        if value:
            media.append(Media(name, label, str(value), _file_url(str(value)), str(value)))
    return media


def _file_url(path: str) -> str:
    """A file:// link for an absolute path (RV and browsers with a handler open it)."""
    if path.startswith(("http://", "https://", "file://")):
        return path
    if path.startswith("/"):
        return "file://" + path
    if len(path) > 2 and path[1] == ":":
        return "file:///" + path.replace("\\", "/")
    return ""
