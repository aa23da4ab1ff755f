"""A bounded window of missing event ids, for servers whose ids have gaps (not Callsheet).

shotgunEvents moves its cursor backwards when a late event fills a gap and then re-delivers
everything after it (reference §1.11 #1). Here the cursor never moves back: a late event is
delivered on its own, once, and missing ids expire after the window.
"""

from __future__ import annotations

import logging
import time

MAX_MISSING_IDS = 10_000

log = logging.getLogger("engine")


class GapWindow:
    """Ids skipped over by the cursor that may still appear, each with an expiry time."""

    def __init__(self, window_s: float, max_ids: int = MAX_MISSING_IDS) -> None:
        self.window_s = window_s
        self.max_ids = max_ids
        self.missing: dict[int, float] = {}

    def observe(self, high: int, event_id: int) -> None:
        """An event `event_id` arrived while `high` was the highest id seen."""
        if event_id <= high + 1 or high <= 0:
            return
        expires = time.monotonic() + self.window_s
        for missing in range(high + 1, event_id):
            if len(self.missing) >= self.max_ids:
                log.warning("Gap window full; events %d-%d never happened", missing, event_id - 1)
                break
            self.missing[missing] = expires

    def pending(self) -> list[int]:
        """Missing ids still inside the window (expired ones are dropped with a log line)."""
        now = time.monotonic()
        for expired in [i for i, at in self.missing.items() if at < now]:
            del self.missing[expired]
            log.info("Event %d never happened - ignoring.", expired)
        return sorted(self.missing)

    def take(self, event_id: int) -> bool:
        """True once for an event that filled a gap."""
        return self.missing.pop(event_id, None) is not None
