"""shotgunEvents' matchEvents test, reproduced exactly (quirks included; reference §1.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def matches(match_events: Mapping[str, Any] | None, event: Mapping[str, Any]) -> bool:
    """Whether a callback registered with `match_events` wants `event` (Callback.canProcess)."""
    if not match_events:
        return True  # None or {} -> every event
    if "*" in match_events:
        event_type = "*"  # the '*' key shadows every other key, as in shotgunEvents
    else:
        found_type = event.get("event_type")
        if not isinstance(found_type, str) or found_type not in match_events:
            return False
        event_type = found_type
    attributes = match_events[event_type]
    if attributes is None or "*" in attributes:
        return True
    attribute_name = event.get("attribute_name")
    # A string spec makes `in` a substring test; shotgunEvents plugins rely on it.
    return bool(attribute_name and attribute_name in attributes)
