"""Names of the store's own types that the engine passes around without knowing SQL."""

from __future__ import annotations

from sqlalchemy.engine import Connection

__all__ = ["Connection"]
