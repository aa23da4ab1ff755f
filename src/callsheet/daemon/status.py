"""`callsheet daemon status`: each callback's cursor, lag and last error, from the state file."""

from __future__ import annotations

import time
from typing import Any

from callsheet.daemon.state import StateFile


def daemon_status(state: StateFile) -> dict[str, Any]:
    """A JSON-ready report; `healthy` is False when any plugin is parked."""
    newest = state.newest()
    callbacks = []
    for row in state.rows():
        callbacks.append(
            {
                "plugin": row["plugin"],
                "callback": row["callback"],
                "cursor": row["cursor"],
                "lag": None if newest is None else max(0, newest - row["cursor"]),
                "delivered": row["delivered"],
                "in_flight": row["inflight_id"],
                "attempts": row["attempts"],
                "parked": bool(row["parked"]) and row["parked_callback"] == row["callback"],
                "plugin_parked": bool(row["parked"]),
                "last_error": row["last_error"],
                "last_error_age_s": None
                if row["last_error_at"] is None
                else round(time.time() - row["last_error_at"], 1),
            }
        )
    return {
        "newest_event_id": newest,
        "healthy": not any(c["plugin_parked"] for c in callbacks),
        "callbacks": callbacks,
    }
