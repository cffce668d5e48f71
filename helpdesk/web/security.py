"""Security headers on every HTTP response of the app, error pages included.

One policy for all pages: nothing is loaded from another host, no inline script or style
runs, no page is framed. docs/security.md explains each header.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Swagger UI's and the staff CSS's icons are data: SVGs.
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    # Other sites learn nothing; our own pages keep a correct Origin on form posts.
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")
NO_STORE = "no-store"


def security_headers(*, https: bool) -> tuple[tuple[str, str], ...]:
    """The headers for every response; HSTS only when the app is served over https."""
    return (*SECURITY_HEADERS, HSTS) if https else SECURITY_HEADERS


class SecurityHeaders:
    """ASGI middleware: set the security headers on every HTTP response.

    The headers replace any a route set, so the policy lives here only. Responses that
    set no ``Cache-Control`` get ``no-store`` (they may carry personal data), except
    under ``cacheable_prefixes`` (static files). An exception before the response
    started becomes a plain 500 with the headers; the exception is raised on for the
    server error middleware to log.
    """

    def __init__(
        self,
        app: ASGIApp,
        headers: Iterable[tuple[str, str]] = SECURITY_HEADERS,
        cacheable_prefixes: tuple[str, ...] = ("/static/",),
    ) -> None:
        self.app = app
        self.headers = tuple(headers)
        self.cacheable_prefixes = cacheable_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = not str(scope.get("path", "")).startswith(self.cacheable_prefixes)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers[name] = value
                if no_store and "cache-control" not in headers:
                    headers["Cache-Control"] = NO_STORE
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                await _server_error(send_with_headers)
            raise


async def _server_error(send: Send) -> None:
    body = b"Internal Server Error"
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
