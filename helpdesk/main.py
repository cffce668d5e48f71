"""The FastAPI application: ``create_app()`` wires settings, database, workers and routes."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from helpdesk import health, migrate
from helpdesk.analytics import web as analytics_web
from helpdesk.channels import sms, telegram, web, web_legacy
from helpdesk.channels.delivery import OutboxDelivery, Sender, WebSender
from helpdesk.channels.limits import ChannelLimits
from helpdesk.channels.rasa import RasaClient, RasaUnavailable
from helpdesk.conversations import service
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.worker import InboxWorker, LocalHandlers
from helpdesk.db import Database, utcnow
from helpdesk.hooks import register_privacy_hooks
from helpdesk.internal import knowledge as internal_knowledge
from helpdesk.internal import places as internal_places
from helpdesk.internal import tickets as internal_tickets
from helpdesk.logging import configure_logging
from helpdesk.metrics import web as metrics_web
from helpdesk.metrics.recorder import Recorder
from helpdesk.notifications.jobs import NotificationJob
from helpdesk.notifications.smtp import SmtpMailer
from helpdesk.places.service import PlaceSnapshot, seed_example_places
from helpdesk.privacy import routes as privacy_routes
from helpdesk.privacy.commands import PrivacyCommands
from helpdesk.privacy.crypto import Keyring, KeyringError
from helpdesk.privacy.jobs import PrivacyJob
from helpdesk.privacy.notice import short_notice
from helpdesk.privacy.tracker import RasaTracker
from helpdesk.settings import Settings, get_settings
from helpdesk.simulator import web as simulator_web
from helpdesk.simulator.service import SimulatorRefused, check_allowed
from helpdesk.staff import passwords
from helpdesk.staff import web as staff_web
from helpdesk.tickets import service as tickets
from helpdesk.tickets import web as tickets_web
from helpdesk.web import accessibility, apidocs
from helpdesk.web.limits import BodySizeLimit
from helpdesk.web.security import SecurityHeaders, security_headers
from knowledge import KnowledgeBase, default_articles_dir, lemmas, semantic

log = logging.getLogger(__name__)
WEB = Path(__file__).resolve().parent / "web"
MAX_BODY_BYTES = 64 * 1024


class ConfigurationError(RuntimeError):
    """A setting the app cannot start without is missing."""


@dataclass
class ChannelClients:
    """The optional channel clients started in the lifespan (None when not configured)."""

    twilio_http: sms.HttpxTwilioClient | None = None
    bot: telegram.TelegramChannel | None = None


def _check(settings: Settings) -> None:
    missing = [
        name
        for name in ("internal_api_token", "pseudonym_key", "contact_keys", "contact_index_key")
        if not getattr(settings, name).get_secret_value()
    ]
    if missing:
        names = ", ".join(f"DIODO_{name.upper()}" for name in missing)
        raise ConfigurationError(
            f"{names} must be set (`diodo secrets` writes random ones to var/local.env)"
        )
    try:
        Keyring.from_settings(settings)
    except KeyringError as exc:
        raise ConfigurationError(str(exc)) from exc
    try:
        check_allowed(enabled=settings.simulator, env=settings.env)
    except SimulatorRefused as exc:
        raise ConfigurationError(str(exc)) from exc
    try:
        passwords.check_cost(settings.password_hash_cost, settings.env)
    except passwords.CostRefused as exc:
        raise ConfigurationError(str(exc)) from exc


# Built article indexes of this process, by directory and search kind. A served process
# builds one; the test suite builds hundreds of apps in one process (0.3 s each).
_built: dict[tuple[str, bool, str], KnowledgeBase] = {}
_built_lock = threading.Lock()


def load_knowledge(settings: Settings) -> KnowledgeBase:
    """The article index, hybrid (lexical + e5 embeddings) unless switched off.

    Article vectors are cached by content under ``knowledge_cache_dir``: a cold start
    embeds every article (about a minute for 80 on 2 cores; `diodo knowledge warm`
    does it ahead), a warm one takes well under a second. An index this process built
    before for the same directory is reused after a check for changed files.
    """
    directory = settings.knowledge_dir or default_articles_dir()
    key = (str(directory), settings.knowledge_semantic, str(settings.knowledge_cache_dir))
    with _built_lock:
        built = _built.get(key)
        if built is not None:
            built.reload_if_changed()
            return built
        knowledge = _build_knowledge(settings, directory)
        _built[key] = knowledge
        return knowledge


def _build_knowledge(settings: Settings, directory: Path) -> KnowledgeBase:
    lemmas.use_cache(settings.knowledge_cache_dir)
    embedder = (
        semantic.optional_embedder(str(settings.knowledge_cache_dir))
        if settings.knowledge_semantic
        else None
    )
    knowledge = KnowledgeBase.from_directory(directory, embedder=embedder)
    lemmas.warm_up()
    if embedder is not None:
        semantic.warm_up(embedder)
    return knowledge


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Nothing starts until the lifespan runs."""
    settings = settings or get_settings()
    _check(settings)
    passwords.use_cost(settings.password_hash_cost)
    keys = Keyring.from_settings(settings)
    recorder = Recorder()  # this process's counters for /metrics
    register_privacy_hooks(keys, closed_ticket_days=settings.ticket_retention_days)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_format)
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
            token=settings.rasa_token.get_secret_value(),
        )
        tracker = RasaTracker(settings.rasa_tracker_url) if settings.rasa_tracker_url else None
        knowledge = await asyncio.to_thread(load_knowledge, settings)
        if settings.places_seed_example_data:
            with db.session() as session:
                seeded = seed_example_places(session)
            if seeded:
                log.info("start-up: %d example places loaded (the city must verify them)", seeded)
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
            observer=recorder,
            pause=lambda session, claim: tickets.absorb_inbound(session, claim, now=utcnow()),
            # SMS digits first: a deferred "1" may be the privacy question's "Ja".
            local=LocalHandlers(
                sms.SmsKeywords(db),
                PrivacyCommands(
                    db,
                    notices={c: short_notice(settings, c) for c in ("sms", "telegram", "web")},
                    tracker=tracker,
                ),
            ),
        )
        privacy_job = PrivacyJob(
            db,
            tracker=tracker,
            retention_days=settings.retention_days,
            sweep_seconds=settings.privacy_sweep_seconds,
            retention_interval_seconds=settings.retention_interval_seconds,
            empty_web_session_hours=settings.webchat_empty_session_hours,
        )
        # E-mails to staff about urgent and overdue tickets; off without an SMTP host.
        notify_job = (
            NotificationJob(
                db,
                SmtpMailer.from_settings(settings),
                public_url=settings.public_url,
                interval_seconds=settings.notify_interval_seconds,
            )
            if settings.smtp_host
            else None
        )
        limits = ChannelLimits.from_settings(settings)
        senders: dict[str, Sender] = {"web": WebSender()}
        channels = ChannelClients()
        if settings.sms_enabled:
            twilio_client, channels.twilio_http = sms.build_twilio_client(settings)
            senders["sms"] = sms.SmsSender(db, twilio_client, settings)
        if settings.telegram_enabled:
            channels.bot = telegram.TelegramChannel(db, notifier, settings, keys, limits=limits)
            senders["telegram"] = channels.bot.sender()
            app.state.telegram = channels.bot
        delivery = OutboxDelivery(
            db,
            senders,
            notifier,
            keys=keys,
            concurrency=settings.delivery_workers,
            lease_seconds=settings.claim_lease_seconds,
            poll_interval=settings.poll_interval_seconds,
            observer=recorder,
        )
        app.state.db = db
        app.state.notifier = notifier
        app.state.limits = limits
        app.state.rasa = rasa
        app.state.knowledge = knowledge
        app.state.tracker = tracker
        app.state.place_snapshot = PlaceSnapshot()
        app.state.due_rules = tickets.due_rules_from(
            settings.tickets_central_hours,
            normal=settings.tickets_due_minutes_normal,
            hoch=settings.tickets_due_minutes_hoch,
            dringend=settings.tickets_due_minutes_dringend,
        )
        inbox.start()
        delivery.start()
        privacy_job.start()
        if notify_job is not None:
            notify_job.start()
        limits.start()
        if channels.bot is not None:
            await channels.bot.start()
        log.info("DiODo app ready")
        try:
            yield
        finally:
            if channels.bot is not None:
                await channels.bot.stop()
            await privacy_job.stop()
            if notify_job is not None:
                await notify_job.stop()
            await limits.stop()
            await inbox.stop()
            await delivery.stop()
            if channels.twilio_http is not None:
                await channels.twilio_http.aclose()
            await rasa.aclose()
            if tracker is not None:
                tracker.dispose()
            db.dispose()

    app = FastAPI(
        title="DiODo",
        summary="Digitaler Ort in Dortmund: assistant and help desk for digital participation",
        version="0.1.0",
        lifespan=lifespan,
        # FastAPI's own /docs and /redoc load their scripts from a CDN: see web/apidocs.py.
        docs_url=None,
        redoc_url=None,
        openapi_url=apidocs.openapi_url(settings),
    )
    app.state.settings = settings
    app.state.keys = keys
    app.state.metrics = recorder
    app.state.templates = Jinja2Templates(directory=WEB / "templates")
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    # Keep this the last add_middleware: it must wrap the others (their 413s get headers).
    app.add_middleware(
        SecurityHeaders, headers=security_headers(https=settings.public_url.startswith("https:"))
    )
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.include_router(web.router)
    app.include_router(web.api)
    app.include_router(web_legacy.router)  # deprecated: the session id in the path
    if settings.sms_enabled:
        app.include_router(sms.router)
    if settings.telegram_enabled and settings.telegram_webhook_secret.get_secret_value():
        app.include_router(telegram.router)
    app.include_router(health.router)
    app.include_router(metrics_web.router)
    app.include_router(privacy_routes.router)
    app.include_router(accessibility.router)
    apidocs.register_api_docs(app, settings)
    app.include_router(internal_knowledge.router)
    app.include_router(internal_places.router)
    app.include_router(internal_tickets.router)
    staff_web.register(app)
    app.include_router(tickets_web.router)
    app.include_router(analytics_web.router)
    if settings.simulator:  # demos and training only; _check refused it in production
        simulator_web.register(app)
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory helpdesk.main:app_factory``."""
    settings = get_settings()
    # Before uvicorn's own start-up lines, so they come in the configured format too.
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
