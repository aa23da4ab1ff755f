"""Error mails as shotgunEvents sends them: the `[emails]` settings, setEmails, a live daemon."""

from __future__ import annotations

import base64
import email
import email.policy
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_daemon import daemon_process, registered, wait_for
from live_server import SCRIPT_KEY, SCRIPT_NAME

from callsheet.daemon.config import ConfigError, EmailSettings, read_config
from callsheet.daemon.emails import recipients_for
from callsheet.daemon.state import StateFile

BASE_CONFIG = """[daemon]
logging = 20
fetch_interval = 0.05
stream_timeout = 0.5
retry_attempts = 2
retry_backoff = 0.01

[shotgun]
server = {server}
name = {name}
key = {key}

[plugins]
paths = {plugins}

"""


def config_with(tmp_path: Path, emails: str, server: str = "http://127.0.0.1:1") -> Path:
    plugins = tmp_path / "plugins"
    plugins.mkdir(exist_ok=True)
    path = tmp_path / "daemon.conf"
    values = {"server": server, "name": SCRIPT_NAME, "key": SCRIPT_KEY, "plugins": plugins}
    path.write_text(BASE_CONFIG.format(**values) + emails)
    return path


# settings ---------------------------------------------------------------------------------------


def test_emails_all_settings_read(tmp_path: Path) -> None:
    emails = """[emails]
enabled = True
server = smtp.example.com
port = 587
useTLS = True
username = daemon
password = secret
from = daemon@example.com
to = a@example.com, b@example.com
subject = [Studio]
"""
    assert read_config(config_with(tmp_path, emails)).emails == EmailSettings(
        server="smtp.example.com",
        sender="daemon@example.com",
        recipients=("a@example.com", "b@example.com"),
        subject="[Studio]",
        port=587,
        username="daemon",
        password="secret",
        use_tls=True,
    )


@pytest.mark.parametrize(
    "emails",
    [
        "",  # no [emails] section
        "[emails]\nenabled = False\nserver = smtp\nfrom = d@x\nto = a@x\nsubject = s\n",
        "[emails]\nserver:\nfrom:\nto:\nsubject:\n",  # shotgunEvents' example, left empty
        "[emails]\nserver = smtp\nfrom = d@x\nto = a@x\n",  # no subject: shotgunEvents sends none
    ],
    ids=["no-section", "disabled", "empty", "no-subject"],
)
def test_emails_off_unless_configured(tmp_path: Path, emails: str) -> None:
    assert read_config(config_with(tmp_path, emails)).emails is None


def test_emails_enabled_but_incomplete_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="server, subject is empty"):
        read_config(config_with(tmp_path, "[emails]\nenabled = True\nfrom = d@x\nto = a@x\n"))


def test_emails_environment_does_not_fill_smtp_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USERNAME", "someone")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    emails = "[emails]\nserver = %(SMTP_HOST)s\nfrom = d@x\nto = a@x\nsubject = s\nuse_tls = no\n"
    settings = read_config(config_with(tmp_path, emails)).emails
    assert settings is not None
    assert (settings.server, settings.port, settings.username, settings.use_tls) == (
        "smtp.example.com",
        25,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        ((True,), ("a@x", "b@x")),
        ((False,), ()),
        ((), ()),
        (("lead@x",), ("lead@x",)),
        ((["lead@x", "sup@x"],), ("lead@x", "sup@x")),
        ((True, "lead@x", "a@x"), ("a@x", "b@x", "lead@x")),
    ],
)
def test_set_emails_recipients(emails: tuple, expected: tuple) -> None:
    assert recipients_for(emails, ("a@x", "b@x")) == expected


# a live daemon and a tiny SMTP server ---------------------------------------------------------


class SmtpSession(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    server: SmtpRecorder

    def reply(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())

    def handle(self) -> None:
        self.reply("220 test SMTP")
        envelope: dict = {"from": None, "to": [], "login": None}
        while line := self.rfile.readline():
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-test", "250 AUTH PLAIN")
            elif verb == "AUTH":
                _, login, password = base64.b64decode(command.split()[2]).split(b"\0")
                envelope["login"] = (login.decode(), password.decode())
                self.reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                envelope["from"] = command.partition(":")[2].strip("<> ")
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command.partition(":")[2].strip("<> "))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(data, policy=email.policy.default)
                with self.server.lock:
                    self.server.mails.append({**envelope, "message": message})
                envelope = {"from": None, "to": [], "login": envelope["login"]}
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


class SmtpRecorder(socketserver.ThreadingTCPServer):
    """Records every mail it receives."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpSession)
        self.mails: list[dict] = []
        self.lock = threading.Lock()


@pytest.fixture
def smtp() -> Iterator[SmtpRecorder]:
    server = SmtpRecorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


FAILING_PLUGIN = f"""
def fail(sg, logger, event, args):
    raise ValueError("broken plugin")

def registerCallbacks(reg):
    EMAILS
    reg.registerCallback({SCRIPT_NAME!r}, {SCRIPT_KEY!r}, fail, {{"Shotgun_Shot_New": None}})
"""


def test_daemon_failures_mailed_to_the_addresses_each_plugin_chose(
    live, tmp_path: Path, smtp: SmtpRecorder
) -> None:
    emails = f"""[emails]
server = 127.0.0.1
port = {smtp.server_address[1]}
username = daemon
password = secret
from = daemon@example.com
to = ops@example.com, pipeline@example.com
subject = [Studio]
"""
    config = config_with(tmp_path, emails, live.base_url)
    plugins = tmp_path / "plugins"
    choices = {"default": "pass", "lead": "reg.setEmails('lead@example.com')"}
    choices["quiet"] = "reg.setEmails(False)"
    for name, choice in choices.items():
        (plugins / f"{name}.py").write_text(FAILING_PLUGIN.replace("EMAILS", choice))
    (plugins / "unloadable.py").write_text("raise ImportError('no such module')\n")
    sg = live.script()
    project = sg.create("Project", {"name": "daemon emails"})
    state = config.with_suffix(".state.sqlite3")
    with daemon_process(config):
        wait_for(lambda: registered(state, 3), "registration")
        sg.create("Shot", {"code": "e010", "project": project})
        for name in choices:
            wait_for(lambda name=name: StateFile(state).is_parked(name), f"{name} parked")
        wait_for(lambda: len(smtp.mails) >= 3, "the mails")
    # stopped: every mail queued before the stop has been sent

    by_logger = {}
    for mail in smtp.mails:
        body = mail["message"].get_content().replace("\r\n", "\n")
        by_logger[body.split("Logger: ", 1)[1].split("\n", 1)[0]] = (mail, body)
    assert sorted(by_logger) == ["plugin.default.fail", "plugin.lead.fail", "plugin.unloadable"]
    mail, body = by_logger["plugin.default.fail"]
    assert mail["to"] == ["ops@example.com", "pipeline@example.com"]
    assert mail["from"] == "daemon@example.com"
    assert mail["login"] == ("daemon", "secret")
    assert mail["message"]["Subject"] == "[Studio] ERROR - SG event daemon."
    assert "attempt 2 of 2" in body and "PARKED plugin default" in body
    assert "ValueError: broken plugin" in body  # the traceback
    assert by_logger["plugin.lead.fail"][0]["to"] == ["lead@example.com"]
    unloadable, body = by_logger["plugin.unloadable"]
    assert unloadable["to"] == ["ops@example.com", "pipeline@example.com"]
    assert "Could not load the plugin" in body and "ImportError: no such module" in body
