"""The state file: cursors per callback, attempts, parking, never moving backwards."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from callsheet.daemon.gaps import GapWindow
from callsheet.daemon.state import StateFile
from callsheet.daemon.status import daemon_status


def test_ensure_cursor_keeps_existing_cursor(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.sqlite3")
    assert state.ensure_cursor("p", "cb", 10) == 10
    assert state.ensure_cursor("p", "cb", 99) == 10


def test_finish_moves_cursor_forward_only(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.sqlite3")
    state.ensure_cursor("p", "cb", 10)
    state.finish("p", "cb", 12)
    state.finish("p", "cb", 11)
    assert state.cursors("p") == {"cb": 12}


def test_attempts_count_up_for_the_same_event_across_reopen(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.sqlite3")
    state.ensure_cursor("p", "cb", 0)
    assert state.begin_attempt("p", "cb", 1) == 1
    state.close()
    reopened = StateFile(tmp_path / "s.sqlite3")  # as after kill -9
    assert reopened.begin_attempt("p", "cb", 1) == 2
    reopened.finish("p", "cb", 1)
    assert reopened.begin_attempt("p", "cb", 2) == 1


def test_advance_skips_callback_with_event_in_flight(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.sqlite3")
    state.ensure_cursor("p", "a", 0)
    state.ensure_cursor("p", "b", 0)
    state.begin_attempt("p", "b", 5)
    state.advance("p", ["a", "b"], 5)
    assert state.cursors("p") == {"a": 5, "b": 0}


def test_park_retry_and_skip(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.sqlite3")
    state.ensure_cursor("p", "cb", 4)
    state.begin_attempt("p", "cb", 5)
    state.record_error("p", "cb", "ValueError: boom")
    state.park("p", "cb", 5, "ValueError: boom")
    assert state.is_parked("p")
    report = daemon_status(state)
    assert report["healthy"] is False
    assert report["callbacks"][0]["parked"] and report["callbacks"][0]["last_error"]
    assert state.retry("p") and not state.is_parked("p")
    assert state.retry("p") is False
    state.park("p", "cb", 5, "again")
    assert state.skip("p") == 5
    assert state.cursors("p") == {"cb": 5} and not state.is_parked("p")
    assert state.skip("p") is None


def test_status_lag_uses_newest_event(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.sqlite3")
    state.ensure_cursor("p", "cb", 4)
    state.note_newest(10)
    state.note_newest(7)
    assert daemon_status(state)["callbacks"][0]["lag"] == 6


def test_gap_window_delivers_late_ids_once() -> None:
    gaps = GapWindow(window_s=60)
    gaps.observe(10, 14)
    assert gaps.pending() == [11, 12, 13]
    assert gaps.take(12) and not gaps.take(12)
    assert gaps.pending() == [11, 13]


def test_gap_window_expires_and_is_bounded() -> None:
    gaps = GapWindow(window_s=-1, max_ids=5)
    gaps.observe(1, 100)
    assert len(gaps.missing) == 5
    assert gaps.pending() == []


def test_opening_a_new_state_file_waits_for_another_opener(tmp_path: Path) -> None:
    # The daemon starting while `daemon status` (or a test) opened the same new file failed with
    # "database is locked": switching to WAL does not wait on the busy timeout by itself.
    path = tmp_path / "state.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")  # another process in the middle of creating the file
    releaser = threading.Timer(0.3, other.execute, args=("COMMIT",))
    releaser.start()
    try:
        state = StateFile(path)
        assert state.rows() == []
        state.close()
    finally:
        releaser.join()
        other.close()
