"""Channel rendering: one channel-neutral ``Reply`` becomes SMS pages or Telegram messages.

SMS: plain GSM-7 text (so a 15-year-old phone shows every character and one segment holds
160 characters instead of 70), buttons become numbered choices, and a page is at most two
segments (306 septets). A longer answer is cut at a paragraph or sentence boundary; the
citizen gets the rest with MEHR.

Telegram: plain text without ``parse_mode`` (so nothing needs escaping and nothing the
assistant writes can break the markup), split at paragraph boundaries under Telegram's
limit, buttons as an inline keyboard on the last part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from helpdesk.conversations.service import Button, Reply
from helpdesk.texts import text as citizen_text

# GSM 03.38 default alphabet (without ESC) and its extension table (2 septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€")
SMS_SINGLE_SEGMENT = 160
SMS_MULTIPART_SEGMENT = 153
SMS_MAX_SEPTETS = 2 * SMS_MULTIPART_SEGMENT  # at most two segments per SMS
SMS_MAX_CHOICES = 9  # 1-9; 0 is reserved for MENSCH
SMS_MAX_TITLE = 40
TELEGRAM_MAX_CHARS = 4096
TELEGRAM_MAX_CALLBACK_BYTES = 64

_REPLACEMENTS = {
    "„": '"',
    "“": '"',
    "”": '"',
    "‟": '"',
    "«": '"',
    "»": '"',
    "‚": "'",
    "‘": "'",
    "’": "'",
    "‛": "'",
    "‹": "'",
    "›": "'",
    "´": "'",
    "`": "'",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "…": "...",
    "•": "-",
    "·": "-",
    "→": "->",
    "×": "x",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
}


def is_gsm7(value: str) -> bool:
    """True when every character of ``value`` is in the GSM-7 alphabet or its extension."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in value)


def gsm7_septets(value: str) -> int:
    """Length of ``value`` in septets (extension characters count twice)."""
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in value)


def sms_segments(value: str) -> int:
    """How many SMS segments a GSM-7 text needs."""
    septets = gsm7_septets(value)
    if septets <= SMS_SINGLE_SEGMENT:
        return 1
    return -(-septets // SMS_MULTIPART_SEGMENT)


def to_gsm7(value: str) -> str:
    """Normalise text to GSM-7: typographic punctuation simplified, accents dropped where
    the accented letter is not GSM-7, emoji and other symbols removed. Umlauts stay."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", value):
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if c in GSM7_BASIC and c != "\n"
            )
            out.append(base)
    cleaned = "".join(out).replace("\r", "")
    cleaned = re.sub(r"[ ]{2,}", " ", cleaned)
    cleaned = re.sub(r" *\n *", "\n", cleaned)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    return cleaned.strip()


def _choices_footer(buttons: tuple[Button, ...], more: bool = False) -> str:
    numbers = [str(n) for n in range(1, len(buttons) + 1)]
    listed = (
        numbers[0]
        if len(numbers) == 1
        else (", ".join(numbers[:-1]) + f" {citizen_text('sms_or')} {numbers[-1]}")
    )
    lines = [citizen_text("sms_choices_intro", numbers=listed)]
    for number, button in zip(numbers, buttons, strict=True):
        title = to_gsm7(button.title)
        if len(title) > SMS_MAX_TITLE:
            title = title[: SMS_MAX_TITLE - 3].rstrip() + "..."
        lines.append(f"{number} = {title}")
    if more:
        lines.append(citizen_text("sms_more_choices"))
    return "\n".join(lines)


def _cut_point(value: str, budget: int) -> int:
    """Where to cut ``value`` so the head fits ``budget`` septets: the last paragraph
    break, else the last sentence end, else the last space, else a hard cut."""
    limit = 0
    used = 0
    for index, ch in enumerate(value):
        used += 2 if ch in GSM7_EXTENSION else 1
        if used > budget:
            break
        limit = index + 1
    head = value[:limit]
    if limit >= len(value):
        return limit
    floor = limit // 3  # never cut so early that a page is nearly empty
    for pattern in (r"\n\n", r"[.!?:]\s", r"\n", r" "):
        ends = [m.end() for m in re.finditer(pattern, head + value[limit : limit + 1])]
        ends = [end for end in ends if floor < end <= limit]
        if ends:
            return ends[-1]
    return limit


def render_sms(reply: Reply) -> tuple[list[str], tuple[Button, ...]]:
    """The pages of an SMS reply and the choices its numbers stand for.

    Every page is GSM-7 and at most two segments. All but the last end with the MEHR
    hint; the last carries the numbered choices (the first nine: ``render_sms_pages``
    pages the others).
    """
    choices = reply.buttons[:SMS_MAX_CHOICES]
    body = to_gsm7(reply.text)
    more = len(reply.buttons) > SMS_MAX_CHOICES
    footer = _choices_footer(choices, more) if choices else ""
    hint = to_gsm7(citizen_text("sms_more_hint"))
    whole = f"{body}\n\n{footer}" if body and footer else body or footer
    if gsm7_septets(whole) <= SMS_MAX_SEPTETS:
        return [whole], choices
    pages: list[str] = []
    rest = body
    while True:
        tail = f"{rest}\n\n{footer}" if footer else rest
        if gsm7_septets(tail) <= SMS_MAX_SEPTETS:
            pages.append(tail.strip())
            return pages, choices
        budget = SMS_MAX_SEPTETS - gsm7_septets(hint) - 1
        if not rest.strip():
            # Only the footer is left and it is too long on its own: cut it hard.
            cut = _cut_point(footer, SMS_MAX_SEPTETS)
            pages.append(footer[:cut].strip())
            return pages, choices
        cut = _cut_point(rest, budget)
        pages.append(f"{rest[:cut].rstrip()}\n{hint}")
        rest = rest[cut:].lstrip()


@dataclass(frozen=True)
class SmsPage:
    """One SMS of a reply and the menu a digit answers once it is shown (``choices``
    empty: the page shows no new menu)."""

    text: str
    choices: tuple[Button, ...] = ()


def render_sms_pages(reply: Reply) -> list[SmsPage]:
    """Every SMS of a reply: the text pages of ``render_sms`` (the first carries the
    first nine choices), then one page per further nine choices, numbered from 1 again,
    reached with MEHR. No choice is dropped; 0 stays MENSCH."""
    pages, choices = render_sms(reply)
    result = [SmsPage(pages[0], choices)] + [SmsPage(page) for page in pages[1:]]
    groups = [
        reply.buttons[start : start + SMS_MAX_CHOICES]
        for start in range(SMS_MAX_CHOICES, len(reply.buttons), SMS_MAX_CHOICES)
    ]
    for index, group in enumerate(groups):
        result.append(SmsPage(_choices_footer(group, index < len(groups) - 1), group))
    return result


def pack_sms(replies: list[Reply]) -> list[Reply]:
    """Join the replies of one turn into as few SMS as possible: consecutive replies
    share an SMS while the whole still fits one page (two segments) and only the last of
    them has choices, so a place list, its note and the follow-up question arrive as one
    SMS, and every SMS keeps its menu at the end."""
    packed: list[Reply] = []
    for reply in replies:
        if packed and not packed[-1].buttons:
            joined = Reply(f"{packed[-1].text}\n\n{reply.text}", reply.buttons)
            if len(render_sms(joined)[0]) == 1 and len(reply.buttons) <= SMS_MAX_CHOICES:
                packed[-1] = joined
                continue
        packed.append(reply)
    return packed


_BOLD = re.compile(r"(\*\*|__)(.+?)\1", re.S)
_HEADING = re.compile(r"^#{1,6}[ \t]+", re.M)


def plain_text(markdown: str) -> str:
    """Article Markdown as plain text for channels without formatting (SMS, Telegram
    without parse_mode): bold markers and heading hashes go, lists and paragraphs stay."""
    return _HEADING.sub("", _BOLD.sub(r"\2", markdown)).strip()


def article_text(article: dict[str, object], channel: str | None) -> str:
    """The text of an article payload from the assistant, for one channel.

    The payload is channel-neutral: ``text`` (the full answer, or the Leichte-Sprache
    form when ``form`` is "easy") and ``sms`` (the article's short SMS form). The web
    chat renders Markdown itself; Telegram gets plain text; SMS gets the SMS form, which
    fits two segments, and falls back to the plain text (paged with MEHR) for the
    Leichte-Sprache form, which has no SMS form of its own.
    """
    text = article.get("text")
    full = text if isinstance(text, str) else ""
    if channel == "sms":
        sms = article.get("sms")
        if article.get("form") != "easy" and isinstance(sms, str) and sms.strip():
            return to_gsm7(sms)
        return plain_text(full)
    if channel == "telegram":
        return plain_text(full)
    return full


@dataclass(frozen=True)
class TelegramMessage:
    """One Telegram message: plain text (no parse_mode) and inline buttons."""

    text: str
    buttons: tuple[Button, ...] = ()


def _utf16_len(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _split_telegram(value: str, limit: int) -> list[str]:
    parts: list[str] = []
    rest = value.strip()
    while _utf16_len(rest) > limit:
        head = rest[:limit]
        while _utf16_len(head) > limit:
            head = head[:-1]
        cut = 0
        for separator in ("\n\n", "\n", ". ", " "):
            position = head.rfind(separator)
            if position > limit // 3:
                cut = position + len(separator)
                break
        cut = cut or len(head)
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts


def render_telegram(reply: Reply, *, limit: int = TELEGRAM_MAX_CHARS) -> list[TelegramMessage]:
    """Telegram messages for a reply: split at paragraph boundaries, buttons on the last."""
    parts = _split_telegram(reply.text, limit) or [""]
    messages = [TelegramMessage(part) for part in parts[:-1]]
    messages.append(TelegramMessage(parts[-1], reply.buttons))
    return messages


def callback_data(button: Button, index: int) -> str:
    """The callback data of an inline button: the payload when it fits Telegram's 64
    bytes, otherwise a reference to the button's position (resolved by its title)."""
    if len(button.payload.encode()) <= TELEGRAM_MAX_CALLBACK_BYTES:
        return button.payload
    return f"#{index}"
