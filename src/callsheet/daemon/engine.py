"""The daemon's main loop: one worker per plugin file, started and stopped as files come and go."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from callsheet.daemon.config import DaemonConfig
from callsheet.daemon.delivery import PluginWorker
from callsheet.daemon.emails import Mailer, attach_mail_handler
from callsheet.daemon.feed import EventFeed
from callsheet.daemon.loading import discover_plugins
from callsheet.daemon.state import StateFile

LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
STOP_REPORT_S = 10.0  # while stopping, how often to say which plugins are still busy
STOP_POLL_S = 0.05

log = logging.getLogger("engine")


def configure_logging(level: int) -> None:
    """Log to stdout (containers and systemd collect it)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)


class Daemon:
    """Keeps one PluginWorker per plugin file in the configured folders."""

    def __init__(self, config: DaemonConfig) -> None:
        self.config = config
        self.state = StateFile(config.state_path, config.state_sync)
        self.workers: dict[str, PluginWorker] = {}
        self.feed = EventFeed(config, self.state)  # one reader of the events for every worker
        self.stopped = threading.Event()
        self.forced = threading.Event()  # a second stop: do not wait for callbacks in flight
        self.mailer = Mailer(config.emails) if config.emails else None
        attach_mail_handler(log, self.mailer)

    def sync_workers(self) -> None:
        """Start workers for new plugin files, stop those whose file is gone."""
        try:
            plugins = {p.name: p for p in discover_plugins(self.config.plugin_paths)}
        except OSError as error:  # a network share hiccup must not crash the daemon
            log.warning("Could not list the plugin folders: %s", error)
            return
        for name in list(self.workers):
            if name not in plugins or plugins[name].path != self.workers[name].plugin.path:
                log.info("Plugin %s removed; its cursors are kept", name)
                self.workers.pop(name).stop()
        for name, plugin in plugins.items():
            if name not in self.workers:
                worker = PluginWorker(plugin, self.config, self.state, self.mailer, self.feed)
                self.workers[name] = worker
                worker.start()

    def run(self) -> None:
        """Run until stop() (or SIGTERM/SIGINT when on the main thread)."""
        log.info(
            "Callsheet daemon for %s; plugins from %s; state in %s",
            self.config.server,
            ", ".join(str(p) for p in self.config.plugin_paths),
            self.config.state_path,
        )
        self.feed.start()
        while not self.stopped.is_set():
            self.sync_workers()
            self.stopped.wait(self.config.fetch_interval_s)
        log.info("Stopping: waiting for the callbacks in flight (stop again to quit now)")
        self.feed.stop()
        for worker in self.workers.values():
            worker.stop()
        self._wait_for_workers()
        self.state.close()
        log.info("Callsheet daemon stopped")
        if self.mailer is not None:
            self.mailer.close()  # send the mails still queued
            attach_mail_handler(log, None)

    def _wait_for_workers(self) -> None:
        """Let the callbacks in flight finish (a clean stop repeats nothing), unless forced."""
        busy = list(self.workers.values())
        waited_s = 0.0
        while busy and not self.forced.wait(STOP_POLL_S):
            busy = [worker for worker in busy if worker.is_alive()]
            waited_s += STOP_POLL_S
            if busy and waited_s >= STOP_REPORT_S:
                waited_s = 0.0
                log.warning(
                    "Waiting for plugins %s to finish their callbacks; stop again to quit now",
                    ", ".join(worker.plugin.name for worker in busy),
                )
        if busy:
            log.warning(
                "Stopping without waiting for plugins %s: their events in flight will be"
                " delivered again",
                ", ".join(worker.plugin.name for worker in busy),
            )

    def stop(self) -> None:
        """Ask the daemon to stop after the callbacks in flight; a second call stops at once."""
        if self.stopped.is_set():
            self.forced.set()
        self.stopped.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop the daemon cleanly; a second one stops it at once."""
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: self.stop())
