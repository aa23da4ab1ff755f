"""What a plugin's `registerCallbacks(reg)` may touch, named as shotgunEvents names it (§1.3)."""

from __future__ import annotations

import configparser
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import shotgun_api3


@dataclass
class Callback:
    """One registered callback with its own connection, logger and options."""

    plugin_name: str
    name: str
    function: Callable[..., Any]
    match_events: Mapping[str, Any] | None
    args: Any
    stop_on_error: bool
    sg: shotgun_api3.Shotgun
    logger: logging.Logger
    last_call: float = 0.0  # time.monotonic() when the callback last returned


@dataclass
class PluginRegistration:
    """The callbacks, logger and email choice one plugin registered."""

    name: str
    logger: logging.Logger
    callbacks: list[Callback] = field(default_factory=list)
    emails: tuple[Any, ...] = (True,)


def plugin_logger(name: str, parser: configparser.ConfigParser, level: int) -> logging.Logger:
    """The `plugin.<name>` logger, carrying the daemon's ConfigParser as `.config`."""
    logger = logging.getLogger(name)
    logger.config = parser  # type: ignore[attr-defined]
    logger.setLevel(level)
    return logger


def _callback_name(function: Callable[..., Any], index: int) -> str:
    name = getattr(function, "__name__", None)
    # shotgunEvents uses the object's hex id, which changes per run; an index stays stable.
    return name if isinstance(name, str) else f"{type(function).__name__}_{index}"


class Registrar:
    """All a plugin's registerCallbacks(reg) may touch."""

    def __init__(
        self,
        registration: PluginRegistration,
        server: str,
        parser: configparser.ConfigParser,
        proxy_server: str | None = None,
    ) -> None:
        self._registration = registration
        self._server = server
        self._parser = parser
        self._proxy = proxy_server
        self.logger = registration.logger

    def getLogger(self) -> logging.Logger:
        """The plugin's logger (same as `reg.logger`)."""
        return self.logger

    def setEmails(self, *emails: Any) -> None:
        """True (default addresses), False (none) or addresses for ERROR mails."""
        self._registration.emails = emails

    def registerCallback(
        self,
        sgScriptName: str,
        sgScriptKey: str,
        callback: Callable[..., Any],
        matchEvents: Mapping[str, Any] | None = None,
        args: Any = None,
        stopOnError: bool = True,
    ) -> None:
        """Register `callback(sg, logger, event, args)` with its own script credentials."""
        if not callable(callback):
            raise TypeError(f"The callback must be callable, got {callback!r}")
        callbacks = self._registration.callbacks
        name = _callback_name(callback, len(callbacks))
        taken = {existing.name for existing in callbacks}
        if name in taken:  # the same function registered twice keeps two cursors
            suffix = 2
            while f"{name}#{suffix}" in taken:
                suffix += 1
            name = f"{name}#{suffix}"
        sg = shotgun_api3.Shotgun(
            self._server, sgScriptName, sgScriptKey, connect=False, http_proxy=self._proxy
        )
        logger = logging.getLogger(f"{self.logger.name}.{name}")
        logger.config = self._parser  # type: ignore[attr-defined]
        callbacks.append(
            Callback(
                plugin_name=self._registration.name,
                name=name,
                function=callback,
                match_events=matchEvents,
                args=args,
                stop_on_error=stopOnError,
                sg=sg,
                logger=logger,
            )
        )
