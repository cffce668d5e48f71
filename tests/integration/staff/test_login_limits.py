"""The login rate limit cannot be turned into a weapon (issue 17, finding 7).

Guessing from one address blocks that account from that address only; colleagues behind
a library's shared address are not blocked by each other's typos; guessing spread over
many addresses blocks only browsers the account never signed in from; X-Forwarded-For
counts only from a trusted proxy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from helpdesk.db import Database
from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.staff.deps import get_clock
from helpdesk.staff.principal import Role
from tests.integration.staff.conftest import Clock
from tests.staff_support import create_staff, post_login

PASSWORD = "ein-langes-passwort"
WRONG = "falsch-falsch-falsch"
ATTACKER = "198.51.100.7"
HOME = "203.0.113.20"
LIBRARY = "192.0.2.44"
PROXY = "10.0.0.5"


def browser(app: Any, address: str, headers: dict[str, str] | None = None) -> TestClient:
    """A browser at ``address`` (the TCP peer the app sees), with optional headers."""
    return TestClient(app, base_url="https://testserver", client=(address, 50000), headers=headers)


@pytest.fixture
def make_app(
    db: Database, staff_settings: Settings, clock: Clock
) -> Iterator[Callable[..., FastAPI]]:
    """The app with some settings changed (its lifespan runs until the test ends)."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> FastAPI:
            app = create_app(staff_settings.model_copy(update=overrides))
            app.dependency_overrides[get_clock] = lambda: clock
            stack.enter_context(TestClient(app, base_url="https://testserver"))
            return app

        yield make


def test_guessing_from_one_address_does_not_lock_out_the_user_elsewhere(
    client: TestClient, db: Database
) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    attacker = browser(client.app, ATTACKER)
    for _ in range(5):
        assert post_login(attacker, "helga", WRONG).status_code == 401
    assert post_login(attacker, "helga", WRONG).status_code == 429
    assert post_login(attacker, "helga", PASSWORD).status_code == 429  # the guesser stays out
    assert post_login(browser(client.app, HOME), "helga", PASSWORD).status_code == 303


def test_colleagues_behind_one_library_address_are_not_blocked_by_each_others_typos(
    client: TestClient, db: Database
) -> None:
    names = ["anna", "bert", "cora", "dana", "emil"]
    for name in names:
        create_staff(db, name, Role.HELPER, password=PASSWORD)
    for name in names:
        library_pc = browser(client.app, LIBRARY)
        assert post_login(library_pc, name, WRONG).status_code == 401
        assert post_login(library_pc, name, WRONG + "!").status_code == 401
    for name in names:
        assert post_login(browser(client.app, LIBRARY), name, PASSWORD).status_code == 303


def test_many_usernames_from_one_address_hit_the_address_limit(
    make_app: Callable[..., FastAPI], db: Database
) -> None:
    app = make_app(staff_login_address_max_failures=8)
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    guesser = browser(app, ATTACKER)
    for number in range(8):
        assert post_login(guesser, f"name{number}", WRONG).status_code == 401
    assert post_login(guesser, "helga", PASSWORD).status_code == 429
    assert post_login(browser(app, HOME), "helga", PASSWORD).status_code == 303


def test_guessing_from_many_addresses_blocks_only_browsers_the_account_never_used(
    make_app: Callable[..., FastAPI], db: Database
) -> None:
    app = make_app(staff_login_account_max_failures=6)
    create_staff(db, "chefin", Role.ADMIN, password=PASSWORD)
    usual = browser(app, HOME)
    assert post_login(usual, "chefin", PASSWORD).status_code == 303  # gets a device token
    assert usual.cookies.get("diodo_staff_device")
    for number in range(3):  # 2 guesses each from 3 addresses: no pair reaches 5
        bot = browser(app, f"198.51.100.{number + 10}")
        for _ in range(2):
            assert post_login(bot, "chefin", WRONG).status_code == 401
    assert post_login(browser(app, ATTACKER), "chefin", PASSWORD).status_code == 429
    assert post_login(browser(app, LIBRARY), "chefin", PASSWORD).status_code == 429
    assert post_login(usual, "chefin", PASSWORD).status_code == 303


def test_a_successful_login_clears_the_failures_of_that_account_and_address(
    client: TestClient, db: Database
) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    home = browser(client.app, HOME)
    for _ in range(4):
        post_login(home, "helga", WRONG)
    assert post_login(home, "helga", PASSWORD).status_code == 303
    for _ in range(4):
        assert post_login(home, "helga", WRONG).status_code == 401
    assert post_login(home, "helga", PASSWORD).status_code == 303


def test_forged_forwarded_for_from_an_untrusted_peer_is_ignored(
    make_app: Callable[..., FastAPI], db: Database
) -> None:
    app = make_app(trusted_proxies=PROXY)
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    for number in range(5):  # a different made-up address each time
        forged = browser(app, ATTACKER, {"X-Forwarded-For": f"203.0.113.{number + 100}"})
        assert post_login(forged, "helga", WRONG).status_code == 401
    # Counted for the real peer: still blocked there, whatever the header claims ...
    claims_home = browser(app, ATTACKER, {"X-Forwarded-For": HOME})
    assert post_login(claims_home, "helga", PASSWORD).status_code == 429
    # ... and not for the address it named.
    assert post_login(browser(app, "203.0.113.100"), "helga", PASSWORD).status_code == 303


def test_forwarded_for_from_a_trusted_proxy_names_the_client(
    make_app: Callable[..., FastAPI], db: Database
) -> None:
    app = make_app(trusted_proxies="10.0.0.0/8")
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    via_proxy = browser(app, PROXY, {"X-Forwarded-For": ATTACKER})
    for _ in range(5):
        assert post_login(via_proxy, "helga", WRONG).status_code == 401
    assert post_login(via_proxy, "helga", PASSWORD).status_code == 429
    # The same proxy forwarding someone else: that browser is not blocked.
    home_via_proxy = browser(app, PROXY, {"X-Forwarded-For": HOME})
    assert post_login(home_via_proxy, "helga", PASSWORD).status_code == 303
