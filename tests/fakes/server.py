"""A small threaded HTTP server on 127.0.0.1 with fault injection, shared by the fakes."""

from __future__ import annotations

import json
import random
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# "late": the call succeeds, but the answer comes after the client gave up.
FAULT_KINDS = ("429", "500", "timeout", "permanent", "late")


@dataclass
class Faults:
    """Which calls fail: an explicit script first, then a random share of the rest."""

    script: deque[str] = field(default_factory=deque)
    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "timeout")
    timeout_seconds: float = 3.0
    retry_after: int = 1
    seed: int = 0
    injected: list[str] = field(default_factory=list)
    _random: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    def fail_next(self, *kinds: str) -> None:
        """Make the next calls fail with ``kinds``, in order."""
        for kind in kinds:
            assert kind in FAULT_KINDS, kind
            self.script.append(kind)

    def next(self) -> str | None:
        if self.script:
            kind = self.script.popleft()
        elif self.rate and self._random.random() < self.rate:
            kind = self._random.choice(self.kinds)
        else:
            return None
        self.injected.append(kind)
        return kind


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


Handler = Callable[[Request], tuple[int, dict[str, str], Any]]


class FakeServer:
    """Runs ``handle`` for every request in a thread of a real HTTP server."""

    def __init__(self, handle: Handler) -> None:
        self._handle = handle
        outer = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                params = dict(parse_qsl(split.query))
                ctype = self.headers.get("Content-Type", "")
                if raw and "json" in ctype:
                    params.update({k: _str(v) for k, v in json.loads(raw).items()})
                elif raw:
                    params.update(dict(parse_qsl(raw.decode(), keep_blank_values=True)))
                request = Request(self.command, split.path, params, dict(self.headers))
                status, headers, body = outer._handle(request)
                if status == 0:  # a timeout: the caller gave up, drop the connection
                    self.close_connection = True
                    return
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

        self._server = _QuietServer(("127.0.0.1", 0), _RequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (timeout, cancelled long poll) is normal here, not an error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def sleep_for_timeout(faults: Faults) -> tuple[int, dict[str, str], Any]:
    """Hold the request past the client's timeout, then drop it unprocessed."""
    time.sleep(faults.timeout_seconds)
    return 0, {}, None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
