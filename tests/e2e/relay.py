"""A TCP relay in front of the shared Rasa: while it is closed, nothing listens on its
port (connection refused, as when Rasa is down); once opened, every byte goes to the
real Rasa and back. It spares the end-to-end tests a second Rasa start-up (a minute of
CPU) where they only need Rasa to be away for a while."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import Any


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        # The other direction may still be sending: close only our way out.
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, target_port: int) -> None:
        self.target_port = target_port
        super().__init__(("127.0.0.1", port), _Handler)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        with socket.create_connection(("127.0.0.1", self.server.target_port)) as upstream:
            back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
            back.start()
            _pump(client, upstream)
            back.join()


class TcpRelay:
    """Relays 127.0.0.1:``port`` to 127.0.0.1:``target_port`` between `open` and `close`."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        self._server = _Server(self.port, self.target_port)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TcpRelay:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()
