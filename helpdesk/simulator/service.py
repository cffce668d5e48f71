"""The simulator's state: simulated phones, what each shows, and pending Telegram updates.

Framework-free (no fastapi, twilio or telegram): ``web`` and ``local_api`` adapt it to
HTTP. Everything lives in this process's memory and is gone after a restart: the
simulator is for one demo or training machine, not for a cluster, and holds nothing
the database does not hold anyway (the conversations themselves are real ones).
Bounded: at most ``max_phones`` phones (the longest unused goes first) and
``max_messages`` messages per phone.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from helpdesk.channels.render import sms_segments

# Demo range: +49 151 0000 xxxx. Chat ids of the simulated Telegram users lie far above
# real ones of this size class, and the log filter redacts both like real ones.
NUMBER_PREFIX = "+491510000"
NUMBER_SUFFIXES = 10_000
CHAT_ID_BASE = 9_151_000_000
SMS_API_PATH = "/simulator/twilio"
TELEGRAM_API_PATH = "/simulator/telegram/bot"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
BOT_USER: dict[str, Any] = {
    "id": 9_150_000_001,
    "is_bot": True,
    "first_name": "DiODo",
    "username": "diodo_simulator_bot",
}

Channel = Literal["sms", "telegram"]


class SimulatorRefused(RuntimeError):
    """The simulator is switched on where it must not run."""


def check_allowed(*, enabled: bool, env: str) -> None:
    """Refuse ``DIODO_SIMULATOR=true`` together with ``DIODO_ENV=production``.

    A production system talks to real citizens: a page that injects messages as any
    phone number, and fake provider APIs in the app, have no place there.
    """
    if enabled and env == "production":
        raise SimulatorRefused(
            "DIODO_SIMULATOR=true is not allowed with DIODO_ENV=production: the phone "
            "simulator is for demos and training only. Set DIODO_SIMULATOR=false."
        )


def wired_to_simulator(base_url: str, path: str) -> bool:
    """True when a channel's API base URL is this app's own simulator stand-in.

    Only then does the simulator offer that channel: with real credentials and Twilio's
    or Telegram's real API, a simulated number would become a real (failing) SMS.
    """
    parts = urlsplit(base_url)
    return (parts.hostname or "") in LOCAL_HOSTS and parts.path.rstrip("/") == path


@dataclass(frozen=True)
class ThreadMessage:
    """One message on a simulated phone's screen."""

    id: int
    channel: Channel
    from_phone: bool  # True: typed on the simulated phone; False: sent by DiODo
    text: str
    # Telegram: the inline keyboard as (title, callback_data), one button per row.
    buttons: tuple[tuple[str, str], ...] = ()
    ref: str = ""  # the SMS's SID, or the Telegram message id
    sender: str = ""  # SMS: the From number of DiODo's messages

    @property
    def segments(self) -> int:
        """How many SMS a phone bills for this text (1 for Telegram)."""
        return sms_segments(self.text) if self.channel == "sms" else 1


@dataclass
class Phone:
    """One simulated phone: a number in the demo range and a Telegram chat."""

    key: str  # the browser's secret for this phone (a bearer token, never in a URL)
    number: str
    chat_id: int
    messages: list[ThreadMessage] = field(default_factory=list)
    last_used: float = 0.0


class UnknownButton(LookupError):
    """The pressed button is not (or no longer) on the phone's screen."""


class SimulatorStore:
    """The simulated phones and the Telegram update queue of one app process.

    Use it from the event loop only (the routes are async): waiting uses asyncio events.
    """

    def __init__(
        self,
        *,
        max_phones: int = 500,
        max_messages: int = 200,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_phones = max_phones
        self._max_messages = max_messages
        self._clock = clock
        self._phones: dict[str, Phone] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._changed = asyncio.Event()

    # --- phones -------------------------------------------------------------------
    def new_phone(self) -> Phone:
        """A phone with a random unused number of the demo range."""
        while len(self._phones) >= min(self._max_phones, NUMBER_SUFFIXES):
            oldest = min(self._phones.values(), key=lambda phone: phone.last_used)
            del self._phones[oldest.key]
        taken = {phone.number for phone in self._phones.values()}
        while True:
            suffix = secrets.randbelow(NUMBER_SUFFIXES)
            number = f"{NUMBER_PREFIX}{suffix:04d}"
            if number not in taken:
                break
        phone = Phone(
            key=secrets.token_urlsafe(24),
            number=number,
            chat_id=CHAT_ID_BASE + suffix,
            last_used=self._clock(),
        )
        self._phones[phone.key] = phone
        return phone

    def phone(self, key: str) -> Phone | None:
        """The phone a browser holds the key of (marked as used)."""
        phone = self._phones.get(key)
        if phone is not None:
            phone.last_used = self._clock()
        return phone

    def by_number(self, number: str) -> Phone | None:
        """The phone with this SMS number, if it is a simulated one."""
        return next((p for p in self._phones.values() if p.number == number), None)

    def by_chat(self, chat_id: int) -> Phone | None:
        """The phone with this Telegram chat id, if it is a simulated one."""
        return next((p for p in self._phones.values() if p.chat_id == chat_id), None)

    # --- what the phones show -------------------------------------------------------
    def add(
        self,
        phone: Phone,
        channel: Channel,
        text: str,
        *,
        from_phone: bool,
        buttons: tuple[tuple[str, str], ...] = (),
        ref: str = "",
        sender: str = "",
    ) -> ThreadMessage:
        """Put a message on the phone's screen and wake whoever waits for one."""
        message = ThreadMessage(
            next(self._ids), channel, from_phone, text, buttons, ref=ref, sender=sender
        )
        phone.messages.append(message)
        del phone.messages[: -self._max_messages]
        self._notify()
        return message

    def messages_after(self, phone: Phone, after: int) -> list[ThreadMessage]:
        """The phone's messages with an id above ``after``, oldest first."""
        return [message for message in phone.messages if message.id > after]

    def sent_sms(self, *, to: str | None, sender: str | None) -> list[tuple[str, ThreadMessage]]:
        """DiODo's SMS as (recipient, message), newest first, filtered like Twilio's list."""
        found = [
            (phone.number, message)
            for phone in self._phones.values()
            if to is None or phone.number == to
            for message in phone.messages
            if message.channel == "sms"
            and not message.from_phone
            and (sender is None or message.sender == sender)
        ]
        return sorted(found, key=lambda pair: pair[1].id, reverse=True)

    async def wait_for_messages(self, phone: Phone, after: int, timeout: float) -> None:
        """Return when the phone has a message above ``after``, or after ``timeout``."""
        deadline = self._clock() + timeout
        while not self.messages_after(phone, after):
            remaining = deadline - self._clock()
            if remaining <= 0:
                return
            await self._wait(remaining)

    # --- the Telegram side -------------------------------------------------------------
    def next_message_id(self) -> int:
        """A new Telegram message id (one counter for all chats is enough here)."""
        return next(self._message_ids)

    def text_update(self, phone: Phone, text: str) -> dict[str, Any]:
        """Queue the update a Telegram user's text message makes; show it on the phone."""
        message_id = self.next_message_id()
        self.add(phone, "telegram", text, from_phone=True, ref=str(message_id))
        user = _user(phone)
        return self._push(
            {
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": phone.chat_id, "type": "private", "first_name": "Demo"},
                    "from": user,
                    "text": text,
                }
            }
        )

    def button_update(self, phone: Phone, message_ref: str, index: int) -> dict[str, Any]:
        """Queue the callback query of a pressed inline button; show the pressed title."""
        message = next(
            (
                m
                for m in phone.messages
                if m.channel == "telegram" and not m.from_phone and m.ref == message_ref
            ),
            None,
        )
        if message is None or not 0 <= index < len(message.buttons):
            raise UnknownButton(message_ref)
        title, data = message.buttons[index]
        self.add(phone, "telegram", title, from_phone=True)
        markup = {
            "inline_keyboard": [[{"text": t, "callback_data": d}] for t, d in message.buttons]
        }
        return self._push(
            {
                "callback_query": {
                    "id": uuid.uuid4().hex,
                    "from": _user(phone),
                    "chat_instance": str(phone.chat_id),
                    "data": data,
                    "message": {
                        "message_id": int(message.ref),
                        "date": int(time.time()),
                        "chat": {"id": phone.chat_id, "type": "private"},
                        "from": BOT_USER,
                        "text": message.text,
                        "reply_markup": markup,
                    },
                }
            }
        )

    async def get_updates(self, offset: int, timeout: float) -> list[dict[str, Any]]:
        """Like the Bot API's getUpdates: confirmed ones (below ``offset``) are dropped;
        waits up to ``timeout`` seconds for a first one."""
        deadline = self._clock() + timeout
        while True:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            remaining = deadline - self._clock()
            if self._updates or remaining <= 0:
                return list(self._updates[:100])
            await self._wait(remaining)

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._notify()
        return update

    # --- waiting ----------------------------------------------------------------------
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._changed.wait(), timeout=seconds)
        except TimeoutError:
            return


def _user(phone: Phone) -> dict[str, Any]:
    return {"id": phone.chat_id, "is_bot": False, "first_name": "Demo", "language_code": "de"}
