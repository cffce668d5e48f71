"""A local port nothing listens on: where tests point Rasa or the action server when the
app must not reach them."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A port that was free a moment ago (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
