"""Which address a login attempt counts for: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from helpdesk.cli import processes
from helpdesk.internal.auth import _is_loopback
from helpdesk.settings import Settings
from helpdesk.staff.ratelimit import network_of
from helpdesk.web.client_address import client_address, parse_trusted_proxies

PROXIES = parse_trusted_proxies("10.0.0.0/8, 192.0.2.1, ::1")


def test_without_trusted_proxies_the_header_is_never_used() -> None:
    assert client_address("127.0.0.1", ["203.0.113.9"], ()) == "127.0.0.1"
    assert client_address("198.51.100.7", ["203.0.113.9"], PROXIES) == "198.51.100.7"


def test_a_trusted_proxy_names_the_client() -> None:
    assert client_address("10.0.0.5", ["203.0.113.9"], PROXIES) == "203.0.113.9"
    assert client_address("::1", ["2001:db8::7"], PROXIES) == "2001:db8::7"
    assert client_address("10.0.0.5", [], PROXIES) == "10.0.0.5"


def test_entries_the_client_wrote_itself_are_not_believed() -> None:
    # The browser sent "1.1.1.1" itself; our proxy appended the address it saw.
    assert client_address("10.0.0.5", ["1.1.1.1, 203.0.113.9"], PROXIES) == "203.0.113.9"
    # Two proxies of ours in a row: the hop before the first of them is the client.
    assert client_address("10.0.0.5", ["1.1.1.1, 203.0.113.9, 10.0.0.6"], PROXIES) == (
        "203.0.113.9"
    )
    assert client_address("10.0.0.5", ["203.0.113.9", "10.0.0.6"], PROXIES) == "203.0.113.9"
    assert client_address("10.0.0.5", ["1.1.1.1, nonsense"], PROXIES) == "10.0.0.5"
    assert client_address(None, ["203.0.113.9"], PROXIES) == "unknown"


def test_trusted_proxies_setting_refuses_what_is_no_address() -> None:
    assert Settings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxies
    with pytest.raises(ValueError, match="IPv4 or IPv6"):
        Settings(trusted_proxies="proxy.example")


def test_ipv6_addresses_count_by_their_64_network() -> None:
    assert network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2:bbbb::9")
    assert network_of("2001:db8:1:2::1") != network_of("2001:db8:1:3::1")
    assert network_of("::ffff:198.51.100.7") == "198.51.100.7" == network_of("198.51.100.7")
    assert network_of("testclient") == "testclient"


def test_diodo_run_starts_uvicorn_without_its_own_forwarded_header_handling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 by default: any local caller could
    claim any address. The app does it itself, from DIODO_TRUSTED_PROXIES only."""
    started: list[list[str]] = []

    def fake_spawn(name: str, command: list[str], *args: Any, **kwargs: Any) -> None:
        started.append(command)

    monkeypatch.setattr(processes, "_spawn", fake_spawn)
    processes.start_app(8123, env={})
    assert "--no-proxy-headers" in started[0]


def test_a_request_a_local_proxy_forwarded_is_not_a_local_caller_of_the_internal_api() -> None:
    """With uvicorn's header handling off, a reverse proxy on this host is the TCP peer of
    everything it forwards; its X-Forwarded-For shows the caller is not local."""

    def request(headers: list[tuple[bytes, bytes]]) -> Request:
        return Request({"type": "http", "client": ("127.0.0.1", 5000), "headers": headers})

    assert _is_loopback(request([]))
    assert not _is_loopback(request([(b"x-forwarded-for", b"203.0.113.9")]))
    assert not _is_loopback(request([(b"forwarded", b"for=203.0.113.9")]))
