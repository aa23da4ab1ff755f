"""Error mails, as shotgunEvents sends them (reference §1.10): ERROR and CRITICAL log records.

The engine logger mails the configured `[emails] to` addresses; each plugin's logger (and so its
callbacks' loggers, which propagate to it) mails what the plugin chose with `reg.setEmails(...)`:
True for those addresses, False for none, or its own addresses. Subjects and bodies have
shotgunEvents' shape, so existing mail filters keep working. Mails go out on one background
thread: a slow or unreachable SMTP server never holds up a plugin.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from callsheet.daemon.config import EmailSettings

EMAIL_FORMAT = (
    "Time: %(asctime)s\nLogger: %(name)s\nPath: %(pathname)s\nFunction: %(funcName)s\n"
    "Line: %(lineno)d\n\n%(message)s"
)
LEVEL_SUBJECTS = {
    logging.ERROR: "ERROR - SG event daemon.",
    logging.CRITICAL: "CRITICAL - SG event daemon.",
}
SMTP_TIMEOUT_S = 30.0

# Not "engine" or "plugin.*": a failure to send must not itself be mailed.
log = logging.getLogger("callsheet.daemon.emails")


@dataclass(frozen=True)
class Mail:
    """One mail waiting to be sent."""

    recipients: tuple[str, ...]
    subject: str
    body: str


class Mailer:
    """Sends mails through the configured SMTP server, one at a time, on its own thread."""

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        self._queue: queue.Queue[Mail | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="mailer", daemon=True)
        self._thread.start()

    def send(self, recipients: tuple[str, ...], subject: str, body: str) -> None:
        """Queue a mail (returns at once)."""
        self._queue.put(Mail(recipients, subject, body))

    def close(self, timeout_s: float = SMTP_TIMEOUT_S) -> None:
        """Send what is queued (waiting at most `timeout_s`), then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while (mail := self._queue.get()) is not None:
            try:
                self._deliver(mail)
            except Exception as error:  # keep the thread alive for the next mail
                log.warning(
                    "Could not send the mail %r to %s through %s:%s: %s",
                    mail.subject,
                    ", ".join(mail.recipients),
                    self.settings.server,
                    self.settings.port,
                    error,
                )

    def _deliver(self, mail: Mail) -> None:
        settings = self.settings
        message = EmailMessage()
        message["From"] = settings.sender
        message["To"] = ", ".join(mail.recipients)
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid()
        message.set_content(mail.body)
        with smtplib.SMTP(settings.server, settings.port, timeout=SMTP_TIMEOUT_S) as smtp:
            if settings.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message, settings.sender, list(mail.recipients))


class MailHandler(logging.Handler):
    """Mails each ERROR or CRITICAL record of the logger it is attached to."""

    def __init__(self, mailer: Mailer, recipients: tuple[str, ...]) -> None:
        super().__init__(logging.ERROR)
        self.mailer = mailer
        self.recipients = recipients
        self.setFormatter(logging.Formatter(EMAIL_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            subject = self.mailer.settings.subject
            if record.levelno in LEVEL_SUBJECTS:
                subject = f"{subject} {LEVEL_SUBJECTS[record.levelno]}"
            self.mailer.send(self.recipients, subject, self.format(record))
        except Exception:
            self.handleError(record)


def recipients_for(emails: Iterable[Any], defaults: tuple[str, ...]) -> tuple[str, ...]:
    """The addresses `reg.setEmails(*emails)` asked for: True -> defaults, False -> none."""
    chosen = tuple(emails)
    if len(chosen) == 1 and isinstance(chosen[0], list | tuple):
        chosen = tuple(chosen[0])  # setEmails(["a@x", "b@x"])
    addresses: list[str] = []
    for item in chosen:
        if item is True:
            addresses.extend(defaults)
        elif isinstance(item, str) and item.strip():
            addresses.append(item.strip())
    return tuple(dict.fromkeys(addresses))


def attach_mail_handler(
    logger: logging.Logger, mailer: Mailer | None, emails: Iterable[Any] = (True,)
) -> None:
    """Replace the logger's mail handler with one for `emails` (none without a mailer)."""
    for handler in [h for h in logger.handlers if isinstance(h, MailHandler)]:
        logger.removeHandler(handler)
    if mailer is None:
        return
    recipients = recipients_for(emails, mailer.settings.recipients)
    if recipients:
        logger.addHandler(MailHandler(mailer, recipients))
