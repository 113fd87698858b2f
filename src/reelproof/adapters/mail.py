"""E-mail over SMTP (the standard library's smtplib), configured by the environment.

`REELPROOF_SMTP` is `host:port` (unset: no mail is sent); `REELPROOF_SMTP_FROM` the sender;
`REELPROOF_SMTP_STARTTLS=1` upgrades the connection, and `REELPROOF_SMTP_USER` /
`REELPROOF_SMTP_PASSWORD` log in. A mail server that is down never fails the change that
triggered the message: the caller gets the error back to report.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Mailer:
    """Where messages go and who sends them."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str | None = None
    password: str | None = None

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one plain-text message; raises OSError or smtplib.SMTPException on failure."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user and self.password:
                smtp.login(self.user, self.password)
            smtp.send_message(msg)


def configured() -> Mailer | None:
    """The mailer the environment configures, or None when mail is off."""
    where = os.environ.get("REELPROOF_SMTP", "").strip()
    if not where:
        return None
    host, _, port = where.rpartition(":")
    if not host or not port.isdigit():
        host, port = where, "25"
    return Mailer(
        host,
        int(port),
        os.environ.get("REELPROOF_SMTP_FROM", "reelproof@localhost"),
        os.environ.get("REELPROOF_SMTP_STARTTLS") == "1",
        os.environ.get("REELPROOF_SMTP_USER") or None,
        os.environ.get("REELPROOF_SMTP_PASSWORD") or None,
    )
