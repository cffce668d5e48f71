"""The web chat API's older form, with the session id in the URL path (deprecated).

``/api/webchat/sessions/{session_id}/messages`` and ``.../replies`` answer exactly as
``/api/webchat/messages`` and ``/api/webchat/replies`` with ``Authorization: Bearer``
do, for one release more; every answer (errors included) carries ``Deprecation``
(RFC 9745), ``Sunset`` (RFC 8594) and a ``Link`` to its successor. The log filter
(``helpdesk.logging``) keeps the id in these paths out of the access log.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from helpdesk.channels import web
from helpdesk.deps import DbDep, KeysDep, LimitsDep, NotifierDep, SettingsDep

DEPRECATED_AT = datetime(2026, 12, 2, tzinfo=UTC)
SUNSET_AT = datetime(2027, 3, 1, tzinfo=UTC)
DEPRECATION_HEADERS = {
    "Deprecation": f"@{int(DEPRECATED_AT.timestamp())}",
    "Sunset": format_datetime(SUNSET_AT, usegmt=True),
}

SessionInPath = Annotated[str, Path(pattern=web.SESSION_PATTERN)]


def _headers(successor: str) -> dict[str, str]:
    return {**DEPRECATION_HEADERS, "Link": f'<{successor}>; rel="successor-version"'}


class DeprecatedRoute(APIRoute):
    """Adds the deprecation headers to every answer of the route, errors included."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        headers = _headers("/api/webchat/" + self.path.rsplit("/", 1)[-1])

        async def deprecated(request: Request) -> Response:
            try:
                response = await handler(request)
            except HTTPException as exc:
                raise HTTPException(
                    exc.status_code, exc.detail, headers={**(exc.headers or {}), **headers}
                ) from exc
            except RequestValidationError as exc:
                response = await request.app.exception_handlers[RequestValidationError](
                    request, exc
                )
            response.headers.update(headers)
            return response

        return deprecated


router = APIRouter(prefix="/api/webchat", tags=["web chat"], route_class=DeprecatedRoute)


@router.post(
    "/sessions/{session_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=web.MessageAccepted,
    responses={
        404: {"description": "Unknown session"},
        422: {"description": "Invalid text"},
        **web.LIMITED,
    },
    deprecated=True,
)
async def post_message_in_path(
    session_id: SessionInPath,
    body: web.MessageIn,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    notifier: NotifierDep,
    keys: KeysDep,
    limits: LimitsDep,
) -> web.MessageAccepted:
    """Deprecated: ``POST /api/webchat/messages`` with ``Authorization: Bearer``."""
    return await web.post_message(session_id, body, request, db, settings, notifier, keys, limits)


@router.get(
    "/sessions/{session_id}/replies",
    response_model=web.RepliesOut,
    responses={404: {"description": "Unknown session"}, **web.LIMITED},
    deprecated=True,
)
async def get_replies_in_path(
    session_id: SessionInPath,
    request: Request,
    db: DbDep,
    notifier: NotifierDep,
    settings: SettingsDep,
    keys: KeysDep,
    limits: LimitsDep,
    after: web.After = 0,
    wait: web.Wait = 0,
) -> web.RepliesOut:
    """Deprecated: ``GET /api/webchat/replies`` with ``Authorization: Bearer``."""
    return await web.get_replies(
        session_id, request, db, notifier, settings, keys, limits, after=after, wait=wait
    )
