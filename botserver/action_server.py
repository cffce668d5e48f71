"""The action server: rasa-sdk's own app, answering only Rasa.

``python -m botserver.action_server --actions actions --port 5055`` replaces
``python -m rasa_sdk``: the same app (``rasa_sdk.endpoint.create_app``), the same
arguments, plus a request middleware that refuses every call but ``/health`` without
``Authorization: Bearer <DIODO_ACTIONS_TOKEN>``. Rasa sends that header
(``action_endpoint.headers`` in ``bot/endpoints.yml``). Without the check any local
process could run an action, and the action calls the app's internal API with the real
internal token. The server does not start without the token.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app as create_sdk_app
from rasa_sdk.endpoint import create_argument_parser, create_ssl_context
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from botserver.tokens import MissingToken, bearer_matches, required_token

TOKEN_VARIABLE = "DIODO_ACTIONS_TOKEN"
# Health checks (``diodo run``, the app's /health) carry no token and learn nothing.
OPEN_PATHS = frozenset({"/health"})

log = logging.getLogger("botserver.action_server")  # not __main__ under ``python -m``


def create_app(
    actions_package: str,
    token: str,
    *,
    cors_origins: str | list[str] | None = "",
    auto_reload: bool = False,
) -> Sanic:
    """rasa-sdk's app for ``actions_package``, refusing callers without ``token`` (401)."""
    if not token:
        raise MissingToken(f"{TOKEN_VARIABLE} is empty: the action server needs it")
    app = create_sdk_app(actions_package, cors_origins=cors_origins, auto_reload=auto_reload)
    expected = token

    @app.middleware("request")
    async def only_rasa(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if bearer_matches(request.headers.get("authorization"), expected):
            return None
        # Never log the header itself: a near-miss would show most of the secret.
        log.warning(
            "refused %s %s: missing or wrong action server token", request.method, request.path
        )
        return response.json(
            {"error": "missing or wrong action server token"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Start the action server like ``python -m rasa_sdk`` does, behind the token."""
    args = create_argument_parser().parse_args(argv)
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    try:
        token = required_token(TOKEN_VARIABLE)
    except MissingToken as exc:
        raise SystemExit(f"action server: {exc}") from None
    app = create_app(
        args.actions, token, cors_origins=args.cors or "", auto_reload=args.auto_reload
    )
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    log.info("Action server on %s:%d; only callers with the token", host, args.port)
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
