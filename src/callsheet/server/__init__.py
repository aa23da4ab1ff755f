"""The HTTP edge: `/api3/json` for shotgun_api3, and (later) files and the event stream."""

from callsheet.server.app import create_app
from callsheet.server.settings import Settings

__all__ = ["Settings", "create_app"]
