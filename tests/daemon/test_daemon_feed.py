"""The daemon's shared event feed, and how the state file reaches the disk (state_sync)."""

from __future__ import annotations

import configparser
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from callsheet.daemon.config import ConfigError, DaemonConfig, read_config
from callsheet.daemon.delivery import PluginWorker
from callsheet.daemon.feed import EventFeed
from callsheet.daemon.loading import PluginFile
from callsheet.daemon.state import StateFile

BASE_CONFIG = """[daemon]
{daemon}
[shotgun]
server = http://127.0.0.1:1
name = daemon
key = key

[plugins]
paths = {plugins}
"""


def event(event_id: int) -> dict[str, Any]:
    return {"id": event_id, "type": "EventLogEntry", "meta": {"attribute_name": "code"}}


class ScriptedSource:
    """Stands in for EventSource: the log ends at `newest`; fetch hands out what `push` added."""

    def __init__(self, newest: int) -> None:
        self.newest = newest
        self.pending: list[dict[str, Any]] = []
        self.ready = threading.Condition()
        self.fetches: list[int] = []
        self.stopped = threading.Event()
        self.sg = type("Connection", (), {"close": lambda self: None})()

    def latest_id(self) -> int:
        return self.newest

    def push(self, *events: dict[str, Any]) -> None:
        with self.ready:
            self.pending.extend(events)
            self.ready.notify_all()

    def fetch(self, after: int) -> list[dict[str, Any]]:
        self.fetches.append(after)
        with self.ready:
            self.ready.wait_for(lambda: self.pending or self.stopped.is_set(), 0.05)
            events, self.pending = [e for e in self.pending if e["id"] > after], []
        return events


def daemon_config(tmp_path: Path) -> DaemonConfig:
    return DaemonConfig(
        path=tmp_path / "daemon.conf",
        parser=configparser.ConfigParser(),
        server="http://127.0.0.1:1",
        script_name="daemon",
        script_key="key",
        plugin_paths=[tmp_path],
    )


@pytest.fixture
def running_feed(tmp_path: Path):
    source = ScriptedSource(newest=100)
    feed = EventFeed(daemon_config(tmp_path), size=3, source=source)  # type: ignore[arg-type]
    feed.start()
    yield feed, source
    source.stopped.set()
    feed.stop()
    feed.join(timeout=5)


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def test_feed_hands_each_reader_the_events_after_its_cursor(running_feed) -> None:
    feed, source = running_feed
    wait_until(lambda: feed.read(100, 10, 0) == [], "the feed to start at the newest event")
    source.push(event(101), event(102))
    wait_until(lambda: feed.read(100, 10, 0), "the events")
    assert [e["id"] for e in feed.read(100, 10, 0)] == [101, 102]
    assert [e["id"] for e in feed.read(101, 10, 0)] == [102]
    assert [e["id"] for e in feed.read(100, 1, 0)] == [101]  # the batch limit
    assert feed.read(102, 10, 0) == []  # nothing newer yet: empty, not None


def test_a_reader_waiting_on_the_feed_wakes_when_an_event_arrives(running_feed) -> None:
    feed, source = running_feed
    wait_until(lambda: feed.read(100, 10, 0) == [], "the feed to start")
    got: list[Any] = []
    reader = threading.Thread(target=lambda: got.append(feed.read(100, 10, 30)))
    reader.start()
    time.sleep(0.05)
    source.push(event(101))
    reader.join(timeout=10)
    assert [e["id"] for e in got[0]] == [101]


def test_a_reader_behind_the_window_is_sent_to_the_server(running_feed) -> None:
    feed, source = running_feed
    wait_until(lambda: feed.read(100, 10, 0) == [], "the feed to start")
    assert feed.read(99, 10, 0) is None  # older than where the feed started
    source.push(*(event(i) for i in range(101, 106)))  # 5 events, the window keeps 3
    wait_until(lambda: feed.read(104, 10, 0), "the events")
    assert feed.read(101, 10, 0) is None
    assert [e["id"] for e in feed.read(102, 10, 0)] == [103, 104, 105]


def test_each_reader_gets_its_own_copy(running_feed) -> None:
    feed, source = running_feed
    wait_until(lambda: feed.read(100, 10, 0) == [], "the feed to start")
    source.push(event(101))
    wait_until(lambda: feed.read(100, 10, 0), "the event")
    first = feed.read(100, 10, 0)[0]
    first["meta"]["attribute_name"] = "changed by a plugin"
    assert feed.read(100, 10, 0)[0]["meta"]["attribute_name"] == "code"


def test_a_stopped_feed_sends_every_reader_to_the_server(running_feed) -> None:
    feed, source = running_feed
    wait_until(lambda: feed.read(100, 10, 0) == [], "the feed to start")
    waiting: list[Any] = []
    reader = threading.Thread(target=lambda: waiting.append(feed.read(100, 10, 30)))
    reader.start()
    time.sleep(0.05)
    source.stopped.set()
    feed.stop()
    reader.join(timeout=10)
    assert waiting == [None]
    assert feed.read(100, 10, 0) is None


def test_worker_reads_from_the_feed_inside_its_window_and_from_the_server_behind_it(
    tmp_path: Path, running_feed
) -> None:
    feed, source = running_feed
    wait_until(lambda: feed.read(100, 10, 0) == [], "the feed to start")
    state = StateFile(tmp_path / "state.sqlite3")
    worker = PluginWorker(
        PluginFile("plugin", tmp_path / "plugin.py"), daemon_config(tmp_path), state, feed=feed
    )
    own = ScriptedSource(newest=100)
    own.push(event(50))
    worker.source = own  # type: ignore[assignment]
    events, from_server = worker._fetch(49)  # behind the feed: its own request
    assert ([e["id"] for e in events], from_server) == ([50], True)
    source.push(event(101))
    wait_until(lambda: feed.read(100, 10, 0), "the event")
    events, from_server = worker._fetch(100)
    assert ([e["id"] for e in events], from_server) == ([101], False)
    assert own.fetches == [49]  # the feed answered the second without a request


# state_sync -------------------------------------------------------------------------------------


def synchronous_level(path: Path, sync: str) -> int:
    state = StateFile(path, sync)
    state.ensure_cursor("p", "cb", 0)  # opens this thread's connection
    level = state._connection().execute("PRAGMA synchronous").fetchone()[0]
    state.close()
    return int(level)


def test_state_file_syncs_as_configured(tmp_path: Path) -> None:
    # SQLite's levels: 1 NORMAL (kill -9 safe in WAL mode), 2 FULL (power-cut safe).
    assert synchronous_level(tmp_path / "a.sqlite3", "normal") == 1
    assert synchronous_level(tmp_path / "b.sqlite3", "full") == 2
    with sqlite3.connect(tmp_path / "a.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(("line", "expected"), [("", "normal"), ("state_sync = FULL", "full")])
def test_state_sync_read_from_the_config(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "daemon.conf"
    path.write_text(BASE_CONFIG.format(daemon=line, plugins=tmp_path))
    assert read_config(path).state_sync == expected


def test_unknown_state_sync_refused(tmp_path: Path) -> None:
    path = tmp_path / "daemon.conf"
    path.write_text(BASE_CONFIG.format(daemon="state_sync = sometimes", plugins=tmp_path))
    with pytest.raises(ConfigError, match="state_sync is 'sometimes'; it must be one of normal"):
        read_config(path)
