"""Authentication of the internal API: a shared bearer token, compared in constant time."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Header, HTTPException, Request, status

from helpdesk.deps import SettingsDep


def require_internal_caller(
    request: Request,
    settings: SettingsDep,
    authorization: str | None = Header(default=None),
) -> None:
    """Allow only callers with the shared token (and, by default, only from loopback)."""
    if not settings.internal_api_allow_remote and not _is_loopback(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "internal API is local only")
    expected = settings.internal_api_token.get_secret_value()
    scheme, _, token = (authorization or "").partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(token.encode(), expected.encode())
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or wrong internal API token",
            headers={"WWW-Authenticate": "Bearer"},
        )


def _is_loopback(request: Request) -> bool:
    # Forwarded by a reverse proxy on this host (the app reads these headers itself, uvicorn
    # runs with --no-proxy-headers): the peer is local, the caller is not.
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    host = request.client.host if request.client else ""
    if host in ("testclient", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
