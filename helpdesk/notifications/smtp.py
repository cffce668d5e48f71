"""Sending e-mail with the standard library's smtplib (blocking: call it in a thread)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from helpdesk.settings import Settings

TIMEOUT_SECONDS = 15.0


class Mailer(Protocol):
    """Sends one message to envelope recipients; raises on failure."""

    @property
    def sender(self) -> str:
        """The From address."""
        ...

    def send(self, message: EmailMessage, recipients: list[str]) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    """One SMTP connection per mail (STARTTLS and login when configured)."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = TIMEOUT_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            starttls=settings.smtp_starttls,
        )

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        """Send ``message`` to ``recipients`` (raises ``OSError`` / ``SMTPException``)."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
            if self.starttls:
                client.starttls()
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message, from_addr=self.sender, to_addrs=recipients)
