"""A tiny local SMTP server for tests: enough of RFC 5321 for smtplib, mails kept in memory.

Speaks EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP and QUIT (no STARTTLS, no AUTH).
``fail`` makes it refuse every mail with 451 (a server that is up but not accepting).
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import cast


@dataclass
class ReceivedMail:
    """One mail as the server saw it: envelope and parsed message."""

    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, message_from_bytes(self.data, policy=policy.default))

    @property
    def text(self) -> str:
        """The decoded subject and body."""
        body = self.message.get_content()
        return f"{self.message['Subject']}\n{body}"


@dataclass
class _State:
    mails: list[ReceivedMail] = field(default_factory=list)
    fail: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._reply("220 fake-smtp ready")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in {"EHLO", "HELO"}:
                self._reply("250-fake-smtp" if verb == "EHLO" else "250 fake-smtp")
                if verb == "EHLO":
                    self._reply("250 8BITMIME")
            elif verb == "MAIL":
                sender, recipients = _address(command), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(_address(command))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                self._data(sender, recipients)
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            elif verb in {"RSET", "NOOP"}:
                self._reply("250 OK")
            else:
                self._reply("502 not implemented")

    def _data(self, sender: str, recipients: list[str]) -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        state = self.server.state
        with state.lock:
            if state.fail:
                self._reply("451 try again later")
                return
            state.mails.append(ReceivedMail(sender, list(recipients), b"".join(lines)))
        self._reply("250 queued")


def _address(command: str) -> str:
    return command.split(":", 1)[1].strip().split()[0].strip("<>")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = _State()


class FakeSmtpServer:
    """Start with ``with FakeSmtpServer() as smtp:``; ``smtp.port``, ``smtp.mails``."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def mails(self) -> list[ReceivedMail]:
        with self._server.state.lock:
            return list(self._server.state.mails)

    def set_failing(self, fail: bool) -> None:
        self._server.state.fail = fail

    def __enter__(self) -> FakeSmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
