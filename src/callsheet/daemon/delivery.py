"""One worker thread per plugin: reads events, calls its callbacks in order, keeps their cursors.

A slow or failing plugin only holds up its own thread. A failing callback is retried with
backoff, then (with stopOnError) its plugin is parked until `callsheet daemon retry|skip`.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Any

from callsheet.daemon.config import DaemonConfig
from callsheet.daemon.emails import Mailer
from callsheet.daemon.feed import EventFeed
from callsheet.daemon.gaps import GapWindow
from callsheet.daemon.loading import PluginFile, file_mtime, load_plugin
from callsheet.daemon.matching import matches
from callsheet.daemon.registrar import Callback
from callsheet.daemon.source import EventSource
from callsheet.daemon.state import StateFile

log = logging.getLogger("engine")


class DeliveredEvent(dict):  # type: ignore[type-arg]
    """The event dict plugins get: the same keys as shotgunEvents, plus `.attempt` (1, 2, …)."""

    attempt: int = 1


class PluginWorker(threading.Thread):
    """Delivers events to one plugin file's callbacks, reloading the file when it changes."""

    def __init__(
        self,
        plugin: PluginFile,
        config: DaemonConfig,
        state: StateFile,
        mailer: Mailer | None = None,
        feed: EventFeed | None = None,
    ) -> None:
        super().__init__(name=f"plugin-{plugin.name}", daemon=True)
        self.plugin = plugin
        self.config = config
        self.state = state
        self.mailer = mailer
        self.stop_event = threading.Event()
        self.source = EventSource(config, self.stop_event)  # when outside the feed's window
        self.feed = feed
        self.callbacks: list[Callback] = []
        self.cursors: dict[str, int] = {}
        self.loaded_mtime: float | None = None
        self.gaps = GapWindow(config.gap_window_s)
        self.high = 0

    def stop(self) -> None:
        """Ask the worker to finish the current callback and exit."""
        self.stop_event.set()

    def run(self) -> None:
        """Loop until stopped: reload if needed, fetch, deliver."""
        try:
            while not self.stop_event.is_set():
                self._reload_if_changed()
                if not self.callbacks or self.state.is_parked(self.plugin.name):
                    self.stop_event.wait(self.config.fetch_interval_s)
                    continue
                self._deliver_late_events()
                after = min(self.cursors[c.name] for c in self.callbacks)
                events, from_server = self._fetch(after)
                for event in events:
                    if self.stop_event.is_set() or not self._dispatch(event, late=False):
                        break
                if events and from_server:  # for `status` (the feed notes its own)
                    self.state.note_newest(int(events[-1]["id"]))
        except Exception:
            log.critical("Plugin %s worker crashed:\n%s", self.plugin.name, traceback.format_exc())
        finally:
            self._close_connections(self.callbacks)
            self.source.sg.close()
            self.state.close()

    def _fetch(self, after: int) -> tuple[list[dict[str, Any]], bool]:
        """The next events, and whether they came from the server rather than the shared feed
        (which a worker reads unless it is behind the feed's window)."""
        if self.feed is not None:
            events = self.feed.read(
                after, self.config.max_event_batch_size, self.config.stream_timeout_s
            )
            if events is not None:
                return events, False
        return self.source.fetch(after), True

    # loading ---------------------------------------------------------------------------------

    def _reload_if_changed(self) -> None:
        mtime = file_mtime(self.plugin.path)
        if mtime is None or mtime == self.loaded_mtime:
            return
        reloading = self.loaded_mtime is not None
        if reloading:
            log.info("Reloading plugin at %s", self.plugin.path)
        self.loaded_mtime = mtime
        registration = load_plugin(
            self.plugin,
            self.config.server,
            self.config.parser,
            self.config.log_level,
            self.config.proxy_server,
            self.mailer,
        )
        self._close_connections(self.callbacks)
        self.callbacks = registration.callbacks if registration else []
        if not self.callbacks:
            return
        known = self.state.cursors(self.plugin.name)
        newest = None
        for callback in self.callbacks:
            if callback.name not in known and newest is None:
                newest = self.source.latest_id()  # a new callback starts at the newest event
            start = newest if newest is not None else 0
            self.cursors[callback.name] = self.state.ensure_cursor(
                self.plugin.name, callback.name, known.get(callback.name, start)
            )
        if reloading and self.state.retry(self.plugin.name):
            log.info("Plugin %s changed on disk: unparked, retrying", self.plugin.name)

    @staticmethod
    def _close_connections(callbacks: list[Callback]) -> None:
        for callback in callbacks:
            callback.sg.close()

    # delivery --------------------------------------------------------------------------------

    def _deliver_late_events(self) -> None:
        pending = self.gaps.pending()
        if pending:
            for event in self.source.fetch_ids(pending[:500]):
                if self.gaps.take(event["id"]) and not self._dispatch(event, late=True):
                    return

    def _dispatch(self, event: dict[str, Any], late: bool) -> bool:
        """Deliver one event to every callback that has not had it; False when parked."""
        event_id = int(event["id"])
        if not late:
            self.gaps.observe(self.high, event_id)
            self.high = max(self.high, event_id)
        skipped: list[str] = []
        for callback in self.callbacks:
            if event_id <= self.cursors[callback.name] and not late:
                continue
            if not matches(callback.match_events, event):
                skipped.append(callback.name)
                continue
            if not self._call(callback, event):
                self.state.advance(self.plugin.name, skipped, event_id)
                return False
            self.cursors[callback.name] = max(self.cursors[callback.name], event_id)
        self.state.advance(self.plugin.name, skipped, event_id)
        for name in skipped:
            self.cursors[name] = max(self.cursors[name], event_id)
        return True

    def _call(self, callback: Callback, event: dict[str, Any]) -> bool:
        """Call with retries; True when done with the event, False when the plugin is parked."""
        failures = 0
        while not self.stop_event.is_set():
            delivered = DeliveredEvent(event)
            delivered.attempt = self.state.begin_attempt(
                self.plugin.name, callback.name, event["id"]
            )
            if time.monotonic() - callback.last_call > self.config.reconnect_idle_s:
                # A server closes idle keep-alive connections (uvicorn: after 5 s), and
                # shotgun_api3 3.10 then fails the next call: the plugin would fail for nothing.
                callback.sg.close()
            try:
                if self.config.use_session_uuid and event.get("session_uuid"):
                    callback.sg.set_session_uuid(event["session_uuid"])
                callback.function(callback.sg, callback.logger, delivered, callback.args)
            except BaseException as error:  # shotgunEvents catches everything, SystemExit too
                callback.last_call = time.monotonic()
                failures += 1
                if failures < self.config.retry_attempts:
                    backoff_s = min(
                        self.config.retry_backoff_s * 2 ** (failures - 1),
                        self.config.retry_backoff_max_s,
                    )
                    self._failed(callback, event, failures, error, f"retrying in {backoff_s:g} s")
                    self.stop_event.wait(backoff_s)
                    continue
                if callback.stop_on_error:
                    self._park(callback, event, failures, error)
                    return False
                self._failed(callback, event, failures, error, "given up (stopOnError=False)")
                self.state.finish(self.plugin.name, callback.name, event["id"], delivered=False)
                return True
            callback.last_call = time.monotonic()
            self.state.finish(self.plugin.name, callback.name, event["id"])
            return True
        return False  # stopping: the event stays in flight and is delivered again on restart

    def _failed(
        self,
        callback: Callback,
        event: dict[str, Any],
        failures: int,
        error: BaseException,
        outcome: str,
    ) -> None:
        """Log the failure: a warning while retrying, an error (mailed) when the event fails."""
        self.state.record_error(self.plugin.name, callback.name, f"{type(error).__name__}: {error}")
        final = failures >= self.config.retry_attempts
        callback.logger.log(
            logging.ERROR if final else logging.WARNING,
            "An error occured processing an event (plugin %s, callback %s, event %s, attempt %d"
            " of %d): %s.\n\n%s",
            self.plugin.name,
            callback.name,
            event["id"],
            failures,
            self.config.retry_attempts,
            outcome,
            "".join(traceback.format_exception(error)),
        )

    def _park(
        self, callback: Callback, event: dict[str, Any], failures: int, error: BaseException
    ) -> None:
        reason = f"{type(error).__name__}: {error}"
        self.state.park(self.plugin.name, callback.name, event["id"], reason)
        advice = (
            f"PARKED plugin {self.plugin.name}; fix it, then run `callsheet daemon retry"
            f" {self.plugin.name}` or `callsheet daemon skip {self.plugin.name}` (or save the file)"
        )
        self._failed(callback, event, failures, error, advice)  # the one mail for this failure
        log.warning(
            "PARKED plugin %s: callback %s failed %d times on event %s (%s).",
            self.plugin.name,
            callback.name,
            failures,
            event["id"],
            reason,
        )
