"""Telegram channel with python-telegram-bot: long polling in, ``sendMessage`` out.

We poll with PTB's ``Bot.get_updates`` in our own loop instead of PTB's ``Updater``:
the Updater confirms updates to Telegram (advances the offset) before any handler has
run, so a crash right after a poll would lose them. Here each batch is stored through
the hub first and only then confirmed; a re-delivered update is a duplicate by its
``update_id`` (the hub's unique channel message id).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import hmac
import logging
import warnings
from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request, status
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from helpdesk.channels.delivery import Delivery, Outcome
from helpdesk.channels.limits import ChannelLimits
from helpdesk.channels.render import callback_data, render_telegram
from helpdesk.channels.telegram_inbox import Incoming, store_incoming
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.service import OutboundClaim, Reply
from helpdesk.db import Database
from helpdesk.deps import SettingsDep
from helpdesk.privacy.crypto import Keyring
from helpdesk.privacy.notice import short_notice
from helpdesk.settings import Settings

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_PATH = "/telegram/webhook"
router = APIRouter(tags=["telegram"])


def _retry_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int (today) or a timedelta (announced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | dtm.timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def keyboard(reply_buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup | None:
    """One button per row: big targets are easier to hit."""
    if not reply_buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(title, callback_data=data)] for title, data in reply_buttons]
    )


def parse_update(update: Update, *, max_chars: int) -> Incoming | None:
    """What a Telegram update means for the hub, or None when it is nothing for us."""
    channel_id = f"u{update.update_id}"
    query = update.callback_query
    if query is not None:
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        data = query.data or ""
        if data.startswith("#") and message is not None and hasattr(message, "reply_markup"):
            # A payload too long for callback_data: send the button's title instead.
            markup = message.reply_markup
            rows = markup.inline_keyboard if markup is not None else ()
            titles = [button.text for row in rows for button in row]
            number = data[1:]
            index = int(number) if number.isascii() and number.isdigit() and len(number) < 4 else -1
            data = titles[index] if 0 <= index < len(titles) else ""
        return Incoming(str(chat_id), channel_id, data, callback_query_id=query.id)
    message = update.message
    if message is None:
        return None
    address = str(message.chat.id)
    if message.text is None:
        return Incoming(address, channel_id, "", not_text=True)
    if message.text.strip().split("@")[0] == "/start":
        return Incoming(address, channel_id, "/greet", start=True)
    return Incoming(address, channel_id, message.text[: max_chars * 2])


class TelegramSender:
    """Sends outbox rows with ``sendMessage``: plain text, inline keyboard on the last part."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, claim: OutboundClaim) -> Delivery:
        try:
            for message in render_telegram(Reply(claim.text, claim.buttons)):
                buttons = tuple(
                    (b.title, callback_data(b, i)) for i, b in enumerate(message.buttons)
                )
                await self._bot.send_message(
                    chat_id=int(claim.address),
                    text=message.text,
                    reply_markup=keyboard(buttons),
                )
        except Exception as exc:
            return classify_telegram_error(exc)
        return Delivery(Outcome.SENT)


def classify_telegram_error(exc: BaseException) -> Delivery:
    """Blocked by the user and bad requests are permanent; flood control, timeouts,
    network and server errors are retried (honouring ``retry_after``)."""
    if isinstance(exc, RetryAfter):
        return Delivery(Outcome.RETRY, error="flood control", retry_after=_retry_seconds(exc))
    if isinstance(exc, Forbidden):
        return Delivery(Outcome.PERMANENT, error="forbidden (bot blocked by the user)")
    if isinstance(exc, (BadRequest, InvalidToken)):
        return Delivery(Outcome.PERMANENT, error=f"{type(exc).__name__}: {exc.message}"[:200])
    if isinstance(exc, TelegramError):
        return Delivery(Outcome.RETRY, error=type(exc).__name__)
    return Delivery(Outcome.RETRY, error=type(exc).__name__)


class TelegramChannel:
    """The bot, its polling loop (or webhook registration) and its sender."""

    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        settings: Settings,
        keys: Keyring,
        *,
        limits: ChannelLimits | None = None,
    ) -> None:
        self._db = db
        self._limits = limits
        self._keys = keys
        self._notifier = notifier
        self._settings = settings
        self._poll_timeout = settings.telegram_poll_timeout_seconds
        self._bot = Bot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            request=HTTPXRequest(
                connection_pool_size=16, read_timeout=settings.telegram_timeout_seconds
            ),
            get_updates_request=HTTPXRequest(
                connection_pool_size=1, read_timeout=self._poll_timeout + 10.0
            ),
        )
        self._task: asyncio.Task[None] | None = None

    @property
    def bot(self) -> Bot:
        """The python-telegram-bot client."""
        return self._bot

    def sender(self) -> TelegramSender:
        """The outbox sender for this bot."""
        return TelegramSender(self._bot)

    @property
    def webhook_mode(self) -> bool:
        """True when updates arrive by webhook instead of long polling."""
        return bool(self._settings.telegram_webhook_secret.get_secret_value())

    async def start(self) -> None:
        """Start long polling, or register the webhook; a failing Bot API does not stop
        the app from starting (polling retries, registration is retried in the task)."""
        run = self._register_webhook() if self.webhook_mode else self._poll()
        self._task = asyncio.create_task(run, name="telegram")

    async def _register_webhook(self) -> None:
        url = self._settings.public_url.rstrip("/") + WEBHOOK_PATH
        failures = 0
        while True:
            try:
                await self._bot.initialize()
                await self._bot.set_webhook(
                    url,
                    secret_token=self._settings.telegram_webhook_secret.get_secret_value(),
                    allowed_updates=ALLOWED_UPDATES,
                )
                log.info("telegram: webhook registered")
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("telegram: webhook registration failed (%s)", type(exc).__name__)
                await asyncio.sleep(min(60.0, 0.5 * 2**failures))

    async def stop(self) -> None:
        """Stop polling and close the HTTP pools."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._bot.shutdown()

    async def _prepare(self) -> None:
        await self._bot.initialize()
        # Polling and a webhook exclude each other; keep pending updates (not lost).
        await self._bot.delete_webhook(drop_pending_updates=False)

    async def _poll(self) -> None:
        offset: int | None = None
        prepared = False
        failures = 0
        while True:
            try:
                if not prepared:
                    await self._prepare()
                    prepared = True
                    log.info("telegram: polling")
                updates = await self._bot.get_updates(
                    offset=offset,
                    timeout=int(self._poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                )
                if updates:
                    await self.handle(updates)
                    offset = updates[-1].update_id + 1
                failures = 0
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                await asyncio.sleep(_retry_seconds(exc))
            except Exception as exc:
                failures += 1
                log.warning("telegram: polling failed (%s)", type(exc).__name__)
                await asyncio.sleep(min(30.0, 0.2 * 2**failures))

    async def handle(self, updates: Sequence[Update]) -> None:
        """Store a batch of updates through the hub, then answer the callback queries."""
        incoming = [
            item
            for item in (
                parse_update(u, max_chars=self._settings.max_message_chars) for u in updates
            )
            if item is not None
        ]
        if not incoming:
            return
        result = await asyncio.to_thread(
            store_incoming,
            self._db,
            incoming,
            keys=self._keys,
            notice=short_notice(self._settings, "telegram"),
            max_chars=self._settings.max_message_chars,
            limit=self._limits.telegram_taken if self._limits is not None else None,
        )
        if result.to_assistant:
            self._notifier.inbound_stored()
        if result.local_replies:
            self._notifier.outbound_stored()
        for item in incoming:
            if item.callback_query_id:
                with contextlib.suppress(TelegramError):
                    await self._bot.answer_callback_query(item.callback_query_id)


@router.post(WEBHOOK_PATH, status_code=status.HTTP_200_OK)
async def telegram_webhook(request: Request, settings: SettingsDep) -> dict[str, bool]:
    """Webhook mode: check the secret token in constant time, store the update, then 200.

    Telegram re-sends an update until it gets a 2xx, so storing first loses nothing and a
    repeat is a duplicate by ``update_id``.
    """
    expected = settings.telegram_webhook_secret.get_secret_value().encode()
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
    if not expected or not hmac.compare_digest(given, expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid secret token")
    channel: TelegramChannel = request.app.state.telegram
    try:
        update = Update.de_json(await request.json(), channel.bot)
    except (ValueError, KeyError, TypeError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "not an update") from exc
    await channel.handle([update])
    return {"ok": True}
