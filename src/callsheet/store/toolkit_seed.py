"""What Toolkit finds on a new ShotGrid site, for sites made before Callsheet had it.

- The Software records a new ShotGrid site comes with (tk-multi-launchapp and Desktop list
  them; each names the Toolkit engine that scans for the application's installs, and the Nuke
  family shares one engine told apart by `products`). site/bootstrap.py creates them on a new
  site; `add_toolkit_defaults` (a migration) adds them to a site with no Software at all.
- The generic `entity` links Toolkit writes (FilesystemLocation, PublishedFile,
  TankPublishedFile) accepting every entity type, as the packaged default schema now has them
  (tools/convert_default_schema.py); the migration widens an existing site's fields the same way.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.schema.default import default_schema
from callsheet.store import internal_tables

# (code, engine, products, group_name, group_default)
DEFAULT_SOFTWARE: tuple[tuple[str, str, str | None, str | None, bool], ...] = (
    ("3ds Max", "tk-3dsmax", None, None, False),
    ("After Effects", "tk-aftereffects", None, None, False),
    ("Alias", "tk-alias", None, None, False),
    ("Flame", "tk-flame", None, None, False),
    ("Hiero", "tk-nuke", "Hiero", "Nuke", False),
    ("Houdini", "tk-houdini", None, None, False),
    ("Mari", "tk-mari", None, None, False),
    ("Maya", "tk-maya", None, None, False),
    ("MotionBuilder", "tk-motionbuilder", None, None, False),
    ("Nuke", "tk-nuke", "Nuke", "Nuke", True),
    ("NukeAssist", "tk-nuke", "NukeAssist", "Nuke", False),
    ("NukeX", "tk-nuke", "NukeX", "Nuke", False),
    ("Nuke Studio", "tk-nuke", "Nuke Studio", "Nuke", False),
    ("Photoshop", "tk-photoshopcc", None, None, False),
    ("VRED", "tk-vred", None, None, False),
)

TOOLKIT_ANY_ENTITY_LINKS = (
    ("FilesystemLocation", "entity"),
    ("PublishedFile", "entity"),
    ("TankPublishedFile", "entity"),
)


def software_values(
    code: str, engine: str, products: str | None, group: str | None, group_default: bool
) -> dict[str, object]:
    """One default Software record's field values."""
    return {
        "code": code,
        "engine": engine,
        "products": products,
        "group_name": group,
        "group_default": group_default,
        "sg_status_list": "act",
    }


def _widen_toolkit_links(conn: Connection) -> None:
    table = internal_tables.schema_table
    wanted = default_schema()
    for entity_type, name in TOOLKIT_ANY_ENTITY_LINKS:
        row = conn.execute(
            sa.select(table.c.data).where(table.c.entity_type == entity_type)
        ).scalar_one_or_none()
        if row is None:
            continue
        data = json.loads(row)
        field = data.get("fields", {}).get(name)
        if field is None or field.get("data_type") != "entity":
            continue
        properties = field.setdefault("properties", {})
        have = list(properties.get("valid_types") or [])
        extra = [t for t in wanted.field(entity_type, name).valid_types if t not in have]
        if not extra:
            continue
        properties["valid_types"] = sorted(have + extra)
        conn.execute(
            sa.update(table).where(table.c.entity_type == entity_type).values(data=json.dumps(data))
        )


def _add_default_software(conn: Connection) -> None:
    inspector = sa.inspect(conn)
    if not inspector.has_table("Software"):
        return
    # Columns only: reflecting the table's indexes warns on (and skips) SQLite's expression
    # indexes, such as the one on lower(code) that layout version 4 adds.
    columns = [sa.Column(c["name"], c["type"]) for c in inspector.get_columns("Software")]
    software = sa.Table("Software", sa.MetaData(), *columns)
    if conn.execute(sa.select(sa.func.count()).select_from(software)).scalar():
        return  # the site has (or had) its own Software: leave it as its admins made it
    now = conn.execute(sa.select(sa.func.current_timestamp())).scalar()
    rows = []
    for spec in DEFAULT_SOFTWARE:
        values = software_values(*spec)
        row = {k: v for k, v in values.items() if k in software.c}
        for stamp in ("created_at", "updated_at"):
            if stamp in software.c:
                row[stamp] = now
        rows.append(row)
    conn.execute(sa.insert(software), rows)


def add_toolkit_defaults(conn: Connection) -> None:
    """Migration: the Toolkit links widened and the default Software records (if none)."""
    _widen_toolkit_links(conn)
    _add_default_software(conn)
