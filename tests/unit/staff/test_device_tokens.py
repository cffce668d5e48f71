"""Device tokens: a browser that signed in to an account before is not locked out by
guessing from elsewhere (the account-wide counter does not apply to it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpdesk.staff.ratelimit import DEVICE_TOKEN_DAYS, LoginLimit, add_device_token, knows_device

LIMIT = LoginLimit(
    pair_max=5, address_max=50, account_max=20, window=timedelta(minutes=15), key=b"k"
)
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_a_token_names_one_account_and_expires() -> None:
    cookie = add_device_token(LIMIT, "", "Helga", NOW)
    assert knows_device(LIMIT, cookie, "helga", NOW + timedelta(days=DEVICE_TOKEN_DAYS - 1))
    assert not knows_device(LIMIT, cookie, "helga", NOW + timedelta(days=DEVICE_TOKEN_DAYS + 1))
    assert not knows_device(LIMIT, cookie, "chefin", NOW)
    assert "helga" not in cookie


def test_a_token_cannot_be_forged_or_made_by_another_key() -> None:
    other = LoginLimit(
        pair_max=5, address_max=50, account_max=20, window=timedelta(minutes=15), key=b"x"
    )
    assert not knows_device(LIMIT, add_device_token(other, "", "helga", NOW), "helga", NOW)
    expires = int((NOW + timedelta(days=1)).timestamp())
    for forged in ("", "garbage", f"{expires}.", f"{expires}.{'0' * 32}", "9" * 40 + ".ab"):
        assert not knows_device(LIMIT, forged, "helga", NOW)


def test_colleagues_on_one_browser_each_keep_a_token() -> None:
    cookie = ""
    for name in ("anna", "bert", "cora"):
        cookie = add_device_token(LIMIT, cookie, name, NOW)
    cookie = add_device_token(LIMIT, cookie, "anna", NOW + timedelta(minutes=1))
    assert all(knows_device(LIMIT, cookie, name, NOW) for name in ("anna", "bert", "cora"))
    assert len(cookie.split("~")) == 3
    for number in range(10):
        cookie = add_device_token(LIMIT, cookie, f"user{number}", NOW)
    assert len(cookie.split("~")) == 5 and len(cookie) < 400
