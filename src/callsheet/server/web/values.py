"""How a field value reads on the page, per data type (one place; grids and detail pages share it).

`display_text` gives the plain text of a value; templates add links and swatches around it using
`entity_url`. Editors are chosen in the browser from the field's data type (static/callsheet.js).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

STATUS_COLORS = {
    "wtg": "194,194,194",
    "rdy": "255,210,0",
    "ip": "105,214,53",
    "rev": "240,134,71",
    "fin": "5,160,209",
    "hld": "227,66,66",
    "omt": "98,98,98",
    "apr": "105,214,53",
    "act": "105,214,53",
    "dis": "98,98,98",
}


def entity_name(value: dict[str, Any]) -> str:
    """The label of an entity link: its name, else Type #id."""
    name = value.get("name") or value.get("code") or value.get("content")
    return str(name) if name not in (None, "") else f"{value.get('type')} #{value.get('id')}"


def display_text(value: Any) -> str:
    """Plain text for any value the engine returns."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        if "type" in value and "id" in value:
            return entity_name(value)
        if "name" in value or "url" in value:  # file/link values
            return str(value.get("name") or value.get("url") or "")
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(display_text(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto", "ftp", "tel", "file"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def safe_href(url: Any) -> str | None:
    """A link's target as an href, or None when it must be shown as text: `javascript:`,
    `data:` and every scheme but http(s), mailto, ftp, tel and file. Browsers ignore control
    characters and spaces inside a scheme (`java\tscript:`), so they are ignored here too."""
    if not isinstance(url, str) or not url.strip():
        return None
    scheme = _SCHEME.match(_CONTROL.sub("", url))
    if scheme is None:
        return url  # a path on this site, or //host with the page's own scheme
    return url if scheme.group(1).lower() in SAFE_LINK_SCHEMES else None


def entity_url(value: dict[str, Any] | None) -> str:
    """The detail page of an entity link."""
    if not value or "type" not in value or "id" not in value:
        return ""
    return f"/detail/{value['type']}/{int(value['id'])}"


def status_color(code: Any) -> str:
    """The swatch colour of a status code (grey for unknown codes)."""
    return STATUS_COLORS.get(str(code), "194,194,194")
