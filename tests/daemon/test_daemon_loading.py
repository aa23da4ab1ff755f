"""Plugin loading: file order, registrar names, loggers with .config, load failures."""

from __future__ import annotations

import configparser
import logging
from pathlib import Path

from callsheet.daemon.loading import discover_plugins, load_plugin

PLUGIN = """
import logging

def first(sg, logger, event, args):
    pass

class Counter:
    def __call__(self, sg, logger, event, args):
        pass

def registerCallbacks(reg):
    assert reg.getLogger() is reg.logger
    reg.setEmails("a@example.com", "b@example.com")
    reg.registerCallback("s", "k", first, {"Shotgun_Task_Change": "sg_status_list"}, args={"n": 0})
    reg.registerCallback("s", "k", Counter(), None, stopOnError=False)
    reg.registerCallback("s", "k", first)
"""


def test_discover_sorts_by_name_and_ignores_dot_files(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    for name in ("b.py", "a.py", ".hidden.py", "notes.txt", "__init__.py"):
        (one / name).write_text("")
    (two / "0first.py").write_text("")
    (two / "a.py").write_text("")  # shadowed by one/a.py
    found = [p.name for p in discover_plugins([one, two])]
    assert found == ["__init__", "a", "b", "0first"]


def test_load_registers_callbacks_in_order(tmp_path: Path) -> None:
    (tmp_path / "demo.py").write_text(PLUGIN)
    parser = configparser.ConfigParser()
    plugin = discover_plugins([tmp_path])[0]
    registration = load_plugin(plugin, "http://127.0.0.1:1", parser, logging.INFO)
    assert registration is not None
    names = [c.name for c in registration.callbacks]
    assert names == ["first", "Counter_1", "first#2"]
    first = registration.callbacks[0]
    assert first.match_events == {"Shotgun_Task_Change": "sg_status_list"}
    assert first.args == {"n": 0} and first.stop_on_error is True
    assert registration.callbacks[1].stop_on_error is False
    assert registration.logger.name == "plugin.demo"
    assert registration.logger.config is parser
    assert first.logger.name == "plugin.demo.first" and first.logger.config is parser
    assert registration.emails == ("a@example.com", "b@example.com")
    assert first.sg.config.script_name == "s"


def test_load_failures_return_none(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("this is not python")
    (tmp_path / "empty.py").write_text("x = 1")
    (tmp_path / "raises.py").write_text("def registerCallbacks(reg):\n    raise ValueError('no')")
    parser = configparser.ConfigParser()
    for plugin in discover_plugins([tmp_path]):
        assert load_plugin(plugin, "http://127.0.0.1:1", parser, logging.INFO) is None
