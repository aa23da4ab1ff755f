"""Reading events: the server's event stream when it has one, else polling EventLogEntry (§1.5).

Stream contract: `GET <server>/api3/events?after=<id>&limit=<n>&timeout=<s>` with the script
headers answers `{"events": [...], "last_id": n}`, long-polling until an event exists; 404 means
the server has no stream.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import shotgun_api3
from shotgun_api3.lib.sgtimezone import SgTimezone

from callsheet.daemon.config import DaemonConfig

EVENT_FIELDS = [
    "id",
    "event_type",
    "attribute_name",
    "meta",
    "entity",
    "user",
    "project",
    "session_uuid",
    "created_at",
]
WIRE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SG_TIMEZONE = SgTimezone()
HTTP_SLACK_S = 10.0
NO_STREAM_STATUSES = (404, 405)

log = logging.getLogger("engine")


def convert_wire_datetimes(value: Any) -> Any:
    """Turn wire datetimes into local tz-aware datetimes, exactly as shotgun_api3 does."""
    if isinstance(value, dict):
        return {key: convert_wire_datetimes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [convert_wire_datetimes(item) for item in value]
    if isinstance(value, str) and len(value) == 20 and WIRE_DATETIME.match(value):
        try:
            parsed = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return value
        return parsed.replace(tzinfo=SG_TIMEZONE.utc).astimezone(SG_TIMEZONE.local)
    return value


class EventSource:
    """One reader of the server's events (each plugin worker has its own)."""

    def __init__(self, config: DaemonConfig, stop: threading.Event) -> None:
        self.config = config
        self.stop = stop
        self.sg = shotgun_api3.Shotgun(
            config.server,
            config.script_name,
            config.script_key,
            connect=False,
            http_proxy=config.proxy_server,
        )
        self.has_stream: bool | None = None  # unknown until the first request
        self._failures = 0

    def latest_id(self) -> int:
        """The newest event id on the server (0 on an empty log)."""
        self.sg.close()  # rarely used, so likely idle: the server may have dropped the connection
        while not self.stop.is_set():
            try:
                newest = self.sg.find_one(
                    "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
                )
                self._failures = 0
                return int(newest["id"]) if newest else 0
            except Exception as error:
                self._connection_failed(error)
        return 0

    def fetch(self, after: int) -> list[dict[str, Any]]:
        """Events with ids greater than `after`, oldest first; may wait for new ones."""
        try:
            if self.has_stream is not False:
                events = self._from_stream(after)
                if events is not None:
                    self._failures = 0
                    return events
            events = self._poll(after)
            self._failures = 0
        except Exception as error:
            self._connection_failed(error)
            return []
        if not events:
            self.stop.wait(self.config.fetch_interval_s)
        return events

    def fetch_ids(self, ids: list[int]) -> list[dict[str, Any]]:
        """The events among `ids` that exist now (for late events in a gap)."""
        try:
            found = self.sg.find(
                "EventLogEntry",
                [["id", "in", ids]],
                EVENT_FIELDS,
                order=[{"field_name": "id", "direction": "asc"}],
            )
            return [dict(event) for event in found]
        except Exception as error:
            self._connection_failed(error)
            return []

    def _poll(self, after: int) -> list[dict[str, Any]]:
        found = self.sg.find(
            "EventLogEntry",
            [["id", "greater_than", after]],
            EVENT_FIELDS,
            order=[{"field_name": "id", "direction": "asc"}],
            limit=self.config.max_event_batch_size,
        )
        return [dict(event) for event in found]

    def _from_stream(self, after: int) -> list[dict[str, Any]] | None:
        """Events from the stream, or None when the server has none (then we poll)."""
        query = urllib.parse.urlencode(
            {
                "after": after,
                "limit": self.config.max_event_batch_size,
                "timeout": self.config.stream_timeout_s,
            }
        )
        request = urllib.request.Request(
            f"{self.config.server}/api3/events?{query}",
            headers={
                "X-Callsheet-Script-Name": self.config.script_name,
                "X-Callsheet-Script-Key": self.config.script_key,
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self.config.stream_timeout_s + HTTP_SLACK_S
            ) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code in NO_STREAM_STATUSES:
                if self.has_stream is None:
                    log.info("The server has no event stream; polling EventLogEntry instead")
                self.has_stream = False
                return None
            raise
        if self.has_stream is None:
            log.info("Reading events from the server's event stream")
        self.has_stream = True
        events = [convert_wire_datetimes(event) for event in body.get("events", [])]
        for event in events:
            event.setdefault("type", "EventLogEntry")
        return events

    def _connection_failed(self, error: Exception) -> None:
        """Log and wait: quickly at first, then `conn_retry_sleep` (never skips events).

        The `max_conn_retries`-th failure in a row is logged as an error (so it is mailed, as
        shotgunEvents does), once per outage.
        """
        self._failures += 1
        wait_s = min(self.config.conn_retry_sleep_s, 0.5 * 2 ** (self._failures - 1))
        level = logging.ERROR if self._failures == self.config.max_conn_retries else logging.WARNING
        log.log(level, "Unable to connect to SG (attempt %s): %s", self._failures, error)
        self.stop.wait(wait_s)
