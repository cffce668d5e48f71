"""Login rate limit, kept in the database so that it holds across several app processes.

Three counters of failed attempts within one window (docs/staff.md, "Login rate limit"):

- ``pair``: one account from one address. The hard limit against guessing (5). It
  blocks only that account from that address, so nobody elsewhere can use it to lock
  the account out.
- ``address``: every account from one address (50). Against one machine trying many
  usernames; high because the colleagues of a library share one public address.
- ``account``: one account from every address (20). Against guessing spread over many
  addresses. It blocks only browsers without a device token of the account (a signed
  cookie a browser gets at a successful sign-in), so a person on the browser they
  normally use is never locked out by others.

Keys are keyed hashes: neither usernames nor addresses are stored in the clear. IPv6
addresses count by their /64 network (one connection gets a whole /64 to choose from).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from helpdesk.settings import Settings
from helpdesk.staff.models import LoginFailure

DEVICE_TOKEN_DAYS = 90
MAX_DEVICE_TOKENS = 5  # one browser shared by a few colleagues keeps a token for each


@dataclass(frozen=True)
class LoginLimit:
    """How many failures each counter allows within ``window``."""

    pair_max: int
    address_max: int
    account_max: int
    window: timedelta
    key: bytes  # HMAC key (the app's pseudonym key)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimit:
        return cls(
            pair_max=settings.staff_login_max_failures,
            address_max=settings.staff_login_address_max_failures,
            account_max=settings.staff_login_account_max_failures,
            window=timedelta(minutes=settings.staff_login_window_minutes),
            key=settings.pseudonym_key.get_secret_value().encode(),
        )

    def keys(self, username: str, address: str) -> dict[str, str]:
        """The counter keys of one attempt: ``pair``, ``address`` and ``account``."""
        name = username.strip().lower()
        where = network_of(address)
        return {
            "pair": self._hash("pair", f"{name}\x1f{where}"),
            "address": self._hash("ip", where),
            "account": self._hash("user", name),
        }

    def _hash(self, kind: str, value: str) -> str:
        message = f"staff-login:{kind}:{value}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


def network_of(address: str) -> str:
    """The unit an address is counted by: an IPv4 address, an IPv6 /64, else the text."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:100]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def blocked_by(
    session: Session,
    limit: LoginLimit,
    username: str,
    address: str,
    now: datetime,
    *,
    known_device: bool,
) -> str | None:
    """The counter that refuses this attempt (``pair``, ``address``, ``account``), or None.

    ``known_device``: the browser holds a device token of this account (or the person
    is signed in already); the account-wide counter does not apply to it.
    """
    since = now - limit.window
    maximum = {"pair": limit.pair_max, "address": limit.address_max}
    if not known_device:
        maximum["account"] = limit.account_max
    for kind, key in limit.keys(username, address).items():
        if kind not in maximum:
            continue
        count = session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key_hash == key, LoginFailure.at > since)
        )
        if (count or 0) >= maximum[kind]:
            return kind
    return None


def record_failure(
    session: Session, limit: LoginLimit, username: str, address: str, now: datetime
) -> None:
    """Count one failed attempt on every counter; forget failures older than the window."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - limit.window))
    session.add_all(
        LoginFailure(key_hash=key, at=now) for key in limit.keys(username, address).values()
    )


def clear_pair(session: Session, limit: LoginLimit, username: str, address: str) -> None:
    """A successful sign-in forgets the failures of this account from this address.

    The address and account counters stay: a guesser who also holds one valid account
    must not be able to reset them.
    """
    key = limit.keys(username, address)["pair"]
    session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key))


# Device tokens: "<expiry unix time>.<hmac>" per account, several joined by "~" in a cookie.


def _device_mac(limit: LoginLimit, username: str, expires: int) -> str:
    message = f"staff-device:{username.strip().lower()}:{expires}".encode()
    return hmac.new(limit.key, message, hashlib.sha256).hexdigest()[:32]


def _unexpired(token: str, now: datetime) -> bool:
    expires = token.partition(".")[0]
    return expires.isdigit() and len(expires) <= 12 and int(expires) > now.timestamp()


def knows_device(limit: LoginLimit, cookie: str, username: str, now: datetime) -> bool:
    """True if the cookie holds an unexpired device token of this account."""
    for token in cookie.split("~")[:MAX_DEVICE_TOKENS]:
        expires, _, mac = token.partition(".")
        if not _unexpired(token, now):
            continue
        if hmac.compare_digest(mac.encode(), _device_mac(limit, username, int(expires)).encode()):
            return True
    return False


def add_device_token(limit: LoginLimit, cookie: str, username: str, now: datetime) -> str:
    """The cookie value with a fresh token of this account first (old ones of it dropped)."""
    expires = int((now + timedelta(days=DEVICE_TOKEN_DAYS)).timestamp())
    fresh = f"{expires}.{_device_mac(limit, username, expires)}"
    others = [
        token
        for token in cookie.split("~")[:MAX_DEVICE_TOKENS]
        if _unexpired(token, now) and not knows_device(limit, token, username, now)
    ]
    return "~".join([fresh, *others][:MAX_DEVICE_TOKENS])
