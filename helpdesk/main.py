"""The FastAPI application: ``create_app()`` wires settings, database, workers and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from helpdesk import health, migrate
from helpdesk.channels import web
from helpdesk.channels.delivery import OutboxDelivery, WebSender
from helpdesk.channels.rasa import RasaClient, RasaUnavailable
from helpdesk.conversations import service
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.worker import InboxWorker
from helpdesk.db import Database
from helpdesk.internal import knowledge as internal_knowledge
from helpdesk.logging import configure_logging
from helpdesk.settings import Settings, get_settings
from helpdesk.web.limits import BodySizeLimit
from knowledge import KnowledgeBase, default_articles_dir

log = logging.getLogger(__name__)
WEB = Path(__file__).resolve().parent / "web"
MAX_BODY_BYTES = 64 * 1024


class ConfigurationError(RuntimeError):
    """A setting the app cannot start without is missing."""


def _check(settings: Settings) -> None:
    missing = [
        name
        for name in ("internal_api_token", "pseudonym_key")
        if not getattr(settings, name).get_secret_value()
    ]
    if missing:
        names = ", ".join(f"DIODO_{name.upper()}" for name in missing)
        raise ConfigurationError(
            f"{names} must be set (`diodo secrets` writes random ones to var/local.env)"
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Nothing starts until the lifespan runs."""
    settings = settings or get_settings()
    _check(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level)
        if settings.auto_migrate:
            migrate.upgrade(settings.database_url)
        db = Database(settings.database_url)
        if settings.single_process:
            with db.session() as session:
                inbound, outbound = service.release_unfinished(session)
            if inbound or outbound:
                log.info("start-up: %d inbound and %d outbound rows resumed", inbound, outbound)
        notifier = Notifier()
        rasa = RasaClient(
            settings.rasa_url,
            actions_url=settings.actions_url,
            timeout=settings.rasa_timeout_seconds,
        )
        knowledge = KnowledgeBase.from_directory(default_articles_dir())
        inbox = InboxWorker(
            db,
            rasa,
            notifier,
            transient_errors=(RasaUnavailable,),
            concurrency=settings.conversation_workers,
            lease_seconds=settings.claim_lease_seconds,
            retry_max_seconds=settings.retry_max_seconds,
            poll_interval=settings.poll_interval_seconds,
            give_up_after_seconds=settings.give_up_after_seconds,
        )
        delivery = OutboxDelivery(
            db,
            {"web": WebSender()},
            notifier,
            concurrency=settings.delivery_workers,
            lease_seconds=settings.claim_lease_seconds,
            poll_interval=settings.poll_interval_seconds,
        )
        app.state.db = db
        app.state.notifier = notifier
        app.state.rasa = rasa
        app.state.knowledge = knowledge
        inbox.start()
        delivery.start()
        log.info("DiODo app ready")
        try:
            yield
        finally:
            await inbox.stop()
            await delivery.stop()
            await rasa.aclose()
            db.dispose()

    app = FastAPI(
        title="DiODo",
        summary="Digitaler Ort in Dortmund: assistant and help desk for digital participation",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=WEB / "templates")
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.include_router(web.router)
    app.include_router(web.api)
    app.include_router(health.router)
    app.include_router(internal_knowledge.router)
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory helpdesk.main:app_factory``."""
    return create_app()
