"""SMS channel over Twilio: signed inbound webhook, status callbacks, and the sender.

Inbound SMS are stored through the hub before Twilio gets its (empty) TwiML answer;
replies go out from the outbox through Twilio's REST API with the official client. The
phone number lives only in ``contact``: it is never logged, and Twilio's own request
logging (which prints the ``To`` parameter) is bypassed by our HTTP client.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from helpdesk.channels import sms_state
from helpdesk.channels.delivery import Delivery, Outcome
from helpdesk.channels.render import SmsPage, render_sms_pages
from helpdesk.conversations import service
from helpdesk.conversations.models import Channel
from helpdesk.conversations.service import InboundClaim, OutboundClaim, Reply
from helpdesk.conversations.text import InvalidMessage, clean_text
from helpdesk.db import Database
from helpdesk.deps import DbDep, KeysDep, LimitsDep, NotifierDep, SettingsDep
from helpdesk.privacy.notice import short_notice
from helpdesk.settings import Settings
from helpdesk.texts import text as citizen_text

log = logging.getLogger(__name__)
router = APIRouter(prefix="/sms/twilio", tags=["sms"])

TWILIO_API = "https://api.twilio.com"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
INBOUND_PATH = "/sms/twilio/inbound"
STATUS_PATH = "/sms/twilio/status"
CAP_WINDOW = timedelta(hours=1)
CAP_RETRY_SECONDS = 300.0
RECONCILE_LOOKBACK = 20


async def _verified_form(request: Request, settings: Settings) -> dict[str, str]:
    """The form of a Twilio webhook whose ``X-Twilio-Signature`` is valid, else 403.

    The signature covers the public URL Twilio called (not the one we see behind a
    proxy), so it is checked against ``DIODO_PUBLIC_URL`` + path + query.
    """
    form = await request.form()
    params = {key: value for key, value in form.items() if isinstance(value, str)}
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not validator.validate(url, params, signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid signature")
    return params


@router.post("/inbound", response_class=Response)
async def inbound_sms(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    notifier: NotifierDep,
    keys: KeysDep,
    limits: LimitsDep,
) -> Response:
    """Store an inbound SMS once (per MessageSid), then acknowledge with empty TwiML.

    Over the number's message rate, the SMS is stored (once) but not answered; the
    first of them in a notice window gets the polite ``limit_messages`` reply.
    """
    params = await _verified_form(request, settings)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    sender = params.get("From", "")
    if not sid or not sender:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "MessageSid and From are required")
    answer: str | None = None
    try:
        body = clean_text(params.get("Body", ""), max_chars=settings.max_message_chars)
    except InvalidMessage as exc:
        if exc.reason == "web_invalid_too_long":
            # Kept cut to the limit, and the citizen is told why it gets no answer.
            limit = settings.max_message_chars
            body = params.get("Body", "")[:limit].strip() or "-"
            answer = citizen_text("sms_too_long", max_chars=limit)
        else:
            body = "HILFE"  # an empty SMS (a picture only) gets the help text

    def store() -> sms_state.SmsReceived:
        with db.session() as session:
            conversation = service.get_or_create_conversation(
                session,
                channel=Channel.SMS,
                address=sender,
                keys=keys,
                notice=short_notice(settings),
            )
            return sms_state.receive_sms(
                session,
                conversation,
                message_sid=sid,
                body=body,
                keys=keys,
                answer=answer,
                limit=lambda: limits.sms_taken(session, sender),
            )

    result = await run_in_threadpool(store)
    if result.to_assistant:
        notifier.inbound_stored()
    if result.local_reply:
        notifier.outbound_stored()
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/status", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def sms_status(request: Request, db: DbDep, settings: SettingsDep) -> Response:
    """Twilio's status callback: record delivered/failed; error 21610 opts the number out."""
    params = await _verified_form(request, settings)
    sid = params.get("MessageSid", "")
    code = params.get("ErrorCode") or ""
    # Twilio's codes are short ASCII numbers; anything else is no code ("²" is isdigit()).
    error_code = int(code) if code.isascii() and code.isdigit() and len(code) < 10 else None

    def update() -> None:
        with db.session() as session:
            sms_state.update_status(
                session,
                sid=sid,
                status=params.get("MessageStatus", "unknown"),
                error_code=error_code,
            )

    await run_in_threadpool(update)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class TwilioRateLimited(Exception):
    """Twilio answered 429; ``retry_after`` is its Retry-After in seconds, if given."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("HTTP 429")
        self.retry_after = retry_after


class HttpxTwilioClient(AsyncHttpClient):  # type: ignore[misc]
    """Twilio's async HTTP client interface over httpx.

    It can send to another base URL (``DIODO_TWILIO_API_BASE_URL``: the local fake in
    tests), logs no request parameters (they contain phone numbers) and surfaces 429
    with its Retry-After header, which ``TwilioRestException`` would drop.
    """

    def __init__(self, *, base_url: str = "", timeout: float = 10.0) -> None:
        super().__init__(log, True, timeout)
        self._base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=3.0))

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if self._base_url and url.startswith(TWILIO_API):
            url = self._base_url + url[len(TWILIO_API) :]
        response = await self._http.request(
            method,
            url,
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            auth=auth,
            follow_redirects=allow_redirects,
        )
        if response.status_code == 429:
            raise TwilioRateLimited(_retry_after(response.headers.get("Retry-After")))
        return TwilioResponse(response.status_code, response.text, response.headers)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def build_twilio_client(settings: Settings) -> tuple[Client, HttpxTwilioClient]:
    """The official Twilio client, on our HTTP client (pointed at the configured API)."""
    http = HttpxTwilioClient(
        base_url=settings.twilio_api_base_url, timeout=settings.twilio_timeout_seconds
    )
    client = Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        http_client=http,
    )
    return client, http


def classify_twilio_error(exc: BaseException) -> Delivery:
    """Transient (429, 5xx, timeouts, network) → retry; everything else → permanent."""
    if isinstance(exc, TwilioRateLimited):
        return Delivery(Outcome.RETRY, error="HTTP 429", retry_after=exc.retry_after)
    if isinstance(exc, TwilioRestException):
        error = f"HTTP {exc.status} code {exc.code}"
        if exc.status == 429 or exc.status >= 500:
            return Delivery(Outcome.RETRY, error=error)
        return Delivery(Outcome.PERMANENT, error=error)
    if isinstance(exc, httpx.TimeoutException):
        return Delivery(Outcome.RETRY, error="timeout")
    if isinstance(exc, httpx.TransportError):
        return Delivery(Outcome.RETRY, error=type(exc).__name__)
    return Delivery(Outcome.RETRY, error=type(exc).__name__)


class SmsSender:
    """Sends outbox rows as SMS: the first page now, later pages on MEHR."""

    def __init__(self, db: Database, client: Client, settings: Settings) -> None:
        self._db = db
        self._client = client
        self._from = settings.twilio_from_number
        self._callback = settings.public_url.rstrip("/") + STATUS_PATH
        self._per_number_cap = settings.sms_max_per_number_per_hour
        self._global_cap = settings.sms_max_per_hour

    async def send(self, claim: OutboundClaim) -> Delivery:
        check = await asyncio.to_thread(self._check, claim)
        if not check.allowed:
            if check.permanent:
                return Delivery(Outcome.PERMANENT, error=check.reason)
            log.warning("sms: outbox row %s held back: %s", claim.outbound_id, check.reason)
            return Delivery(Outcome.RETRY, error=check.reason, retry_after=CAP_RETRY_SECONDS)
        pages = render_sms_pages(Reply(claim.text, claim.buttons))
        try:
            if claim.attempts > 1 and await self._already_sent(claim, pages):
                return Delivery(Outcome.SENT)
            message: Any = await self._client.messages.create_async(
                to=claim.address,
                from_=self._from,
                body=pages[0].text,
                status_callback=self._callback,
            )
        except Exception as exc:
            result = classify_twilio_error(exc)
            if isinstance(exc, TwilioRestException) and exc.code == sms_state.OPTED_OUT_ERROR:
                await asyncio.to_thread(self._opt_out, claim.conversation_id)
            return result
        await asyncio.to_thread(self._record, claim, str(message.sid), str(message.status), pages)
        return Delivery(Outcome.SENT)

    async def _already_sent(self, claim: OutboundClaim, pages: list[SmsPage]) -> bool:
        """Did an earlier attempt reach Twilio after all (timeout, crash before commit)?

        Twilio's Messages API has no idempotency key, so before sending a row again we
        look for a recent SMS to the same number with the same text whose SID we never
        recorded: that is the lost attempt, and it is recorded instead of sent twice.
        """
        if await asyncio.to_thread(self._recorded, claim.outbound_id):
            log.info("sms: outbox row %s was sent and recorded already", claim.outbound_id)
            return True
        recent = await self._client.messages.list_async(
            to=claim.address, from_=self._from, limit=RECONCILE_LOOKBACK
        )
        candidates = [str(m.sid) for m in recent if m.body == pages[0].text]
        if not candidates:
            return False
        lost = await asyncio.to_thread(self._unrecorded, candidates)
        if lost is None:
            return False
        await asyncio.to_thread(self._record, claim, lost, "reconciled", pages)
        log.info("sms: outbox row %s had reached Twilio already; not sent again", claim.outbound_id)
        return True

    def _recorded(self, outbound_id: int) -> bool:
        with self._db.read_session() as session:
            return sms_state.is_recorded(session, outbound_id)

    def _unrecorded(self, sids: list[str]) -> str | None:
        with self._db.read_session() as session:
            return sms_state.first_unrecorded(session, sids)

    def _check(self, claim: OutboundClaim) -> sms_state.SendCheck:
        with self._db.session() as session:
            return sms_state.check_send(
                session,
                claim.conversation_id,
                claim.outbound_id,
                per_number_cap=self._per_number_cap,
                global_cap=self._global_cap,
                window=CAP_WINDOW,
            )

    def _record(
        self, claim: OutboundClaim, sid: str, message_status: str, pages: list[SmsPage]
    ) -> None:
        with self._db.session() as session:
            sms_state.record_sent(
                session,
                conversation_id=claim.conversation_id,
                outbound_id=claim.outbound_id,
                sid=sid,
                status=message_status,
                more_pages=[sms_state.stored_page(page) for page in pages[1:]],
                choices=pages[0].choices,
            )

    def _opt_out(self, conversation_id: int) -> None:
        with self._db.session() as session:
            sms_state.opt_out(session, conversation_id)


class SmsKeywords:
    """The inbox worker's local handler for SMS keywords deferred by ``receive_sms``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def handle(self, claim: InboundClaim) -> bool | str:
        """See ``helpdesk.conversations.worker.LocalHandler``."""
        if claim.channel != "sms":
            return False
        return await asyncio.to_thread(self._answer, claim)

    def _answer(self, claim: InboundClaim) -> bool | str:
        with self._db.session() as session:
            return sms_state.answer_in_order(session, claim)

    def before_complete(self, session: Session, claim: InboundClaim, replies: list[Reply]) -> None:
        """Nothing to do after Rasa answered."""
