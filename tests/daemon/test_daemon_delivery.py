"""Delivery without a server: the event plugins get, and connections reopened after idling."""

from __future__ import annotations

import configparser
import copy
import json
import logging
import pickle
import time
from pathlib import Path

from callsheet.daemon.config import DaemonConfig
from callsheet.daemon.delivery import DeliveredEvent, PluginWorker
from callsheet.daemon.loading import PluginFile
from callsheet.daemon.registrar import Callback
from callsheet.daemon.state import StateFile

EVENT = {
    "id": 7,
    "type": "EventLogEntry",
    "event_type": "Shotgun_Shot_New",
    "attribute_name": None,
    "meta": {"type": "new_entity", "entity_type": "Shot", "entity_id": 1},
    "entity": {"type": "Shot", "id": 1, "name": "sh010"},
    "user": None,
    "project": None,
    "session_uuid": None,
    "created_at": None,
}


def test_delivered_event_is_the_plain_dict_plus_attempt() -> None:
    event = DeliveredEvent(EVENT)
    event.attempt = 2
    assert event == EVENT and isinstance(event, dict)
    assert set(event) == set(EVENT)  # no extra key: plugins that dump the dict see the same
    assert json.loads(json.dumps(event)) == json.loads(json.dumps(EVENT))
    assert copy.copy(event).attempt == 2 and pickle.loads(pickle.dumps(event)).attempt == 2
    assert getattr(DeliveredEvent(EVENT), "attempt", None) == 1  # first delivery


class RecordingConnection:
    """Stands in for shotgun_api3.Shotgun: counts close() calls."""

    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1

    def set_session_uuid(self, session_uuid: str) -> None:
        pass


def worker_with_callback(tmp_path: Path, reconnect_idle_s: float) -> tuple[PluginWorker, Callback]:
    config = DaemonConfig(
        path=tmp_path / "daemon.conf",
        parser=configparser.ConfigParser(),
        server="http://127.0.0.1:1",
        script_name="daemon",
        script_key="key",
        plugin_paths=[tmp_path],
        reconnect_idle_s=reconnect_idle_s,
    )
    state = StateFile(tmp_path / "state.sqlite3")
    state.ensure_cursor("plugin", "record", 0)
    worker = PluginWorker(PluginFile("plugin", tmp_path / "plugin.py"), config, state)
    seen: list[int] = []
    callback = Callback(
        plugin_name="plugin",
        name="record",
        function=lambda sg, logger, event, args: seen.append(event.attempt),
        match_events=None,
        args=None,
        stop_on_error=True,
        sg=RecordingConnection(),  # type: ignore[arg-type]
        logger=logging.getLogger("plugin.plugin.record"),
    )
    return worker, callback


def test_call_after_idle_reopens_connection_first(tmp_path: Path) -> None:
    worker, callback = worker_with_callback(tmp_path, reconnect_idle_s=60)
    callback.last_call = time.monotonic() - 61  # idle longer than reconnect_idle
    assert worker._call(callback, {**EVENT, "id": 1})
    assert callback.sg.closed == 1
    assert worker._call(callback, {**EVENT, "id": 2})  # right after: the connection is kept
    assert callback.sg.closed == 1
