"""Finding and importing plugin files, and noticing when they change (reference §1.3, §1.9)."""

from __future__ import annotations

import configparser
import importlib.util
import logging
import traceback
from dataclasses import dataclass
from pathlib import Path

from callsheet.daemon.emails import Mailer, attach_mail_handler
from callsheet.daemon.registrar import PluginRegistration, Registrar, plugin_logger

log = logging.getLogger("engine")


@dataclass(frozen=True)
class PluginFile:
    """One plugin file: its name (file stem) and path."""

    name: str
    path: Path


def discover_plugins(folders: list[Path]) -> list[PluginFile]:
    """Every `*.py` not starting with '.', folders in order, files sorted by name."""
    found: list[PluginFile] = []
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.py"), key=lambda p: p.name):
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.stem in seen:
                log.warning("Plugin %s in %s shadowed by an earlier folder", path.stem, folder)
                continue
            seen.add(path.stem)
            found.append(PluginFile(path.stem, path))
    return found


def file_mtime(path: Path) -> float | None:
    """The file's mtime, or None when it is gone or unreadable."""
    try:
        return path.stat().st_mtime_ns / 1e9
    except OSError:
        return None


def load_plugin(
    plugin: PluginFile,
    server: str,
    parser: configparser.ConfigParser,
    level: int,
    proxy_server: str | None = None,
    mailer: Mailer | None = None,
) -> PluginRegistration | None:
    """Import the file and run its registerCallbacks(reg); None (logged) when that fails."""
    logger = plugin_logger(f"plugin.{plugin.name}", parser, level)
    attach_mail_handler(logger, mailer)  # load errors mail the default addresses, as before
    registration = PluginRegistration(plugin.name, logger)
    try:
        spec = importlib.util.spec_from_file_location(plugin.name, plugin.path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)  # not put in sys.modules, as shotgunEvents
        spec.loader.exec_module(module)
    except BaseException:
        logger.error("Could not load the plugin at %s.\n\n%s", plugin.path, traceback.format_exc())
        return None
    register = getattr(module, "registerCallbacks", None)
    if not callable(register):
        logger.critical("Did not find a registerCallbacks function in plugin at %s.", plugin.path)
        return None
    try:
        register(Registrar(registration, server, parser, proxy_server))
    except BaseException:
        logger.critical(
            "Error running register callback function from plugin at %s.\n\n%s",
            plugin.path,
            traceback.format_exc(),
        )
        return None
    attach_mail_handler(logger, mailer, registration.emails)
    return registration
