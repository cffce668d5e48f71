"""``diodo privacy rotate-keys|retention|export|erase``: data protection from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import migrate
from helpdesk.conversations.models import Contact, InboundMessage
from helpdesk.db import Database, utcnow
from helpdesk.privacy.crypto import Keyring, KeyringError
from helpdesk.privacy.erasure import audit, erase_conversation
from helpdesk.privacy.export import export_citizen
from helpdesk.privacy.retention import apply_retention
from helpdesk.privacy.tracker import RasaTracker
from helpdesk.settings import Settings


def register_cli(subparsers: Any) -> None:
    """Add the ``privacy`` command to the ``diodo`` argument parser's subparsers."""
    privacy = subparsers.add_parser("privacy", help="key rotation, retention, export, erasure")
    actions = privacy.add_subparsers(dest="privacy_action", required=True)
    rot = actions.add_parser(
        "rotate-keys", help="re-encrypt every contact with the newest key, rebuild the index"
    )
    rot.set_defaults(func=_rotate)
    ret = actions.add_parser("retention", help="erase data older than DIODO_RETENTION_DAYS")
    ret.add_argument("--dry-run", action="store_true", help="only count, erase nothing")
    ret.set_defaults(func=_retention)
    exp = actions.add_parser("export", help="everything stored about one citizen, as JSON")
    exp.add_argument("--channel", required=True, choices=["sms", "telegram", "web"])
    exp.add_argument("--address", required=True, help="phone number, chat id or session id")
    exp.set_defaults(func=_export)
    era = actions.add_parser("erase", help="erase one conversation (admin path)")
    era.add_argument("--conversation", type=int, required=True)
    era.add_argument("--actor", default="admin:cli")
    era.set_defaults(func=_erase)


class _MissingKeys(SystemExit):
    pass


def _setup() -> tuple[Settings, Database, Keyring, RasaTracker | None]:
    settings = Settings()
    try:
        Keyring.from_settings(settings)
    except KeyringError as exc:
        print(
            f"{exc}: set DIODO_CONTACT_KEYS, DIODO_CONTACT_INDEX_KEY and DIODO_PSEUDONYM_KEY "
            "(the app's own, from .env or var/local.env).",
            file=sys.stderr,
        )
        raise _MissingKeys(2) from exc
    migrate.upgrade(settings.database_url)
    tracker = RasaTracker(settings.rasa_tracker_url) if settings.rasa_tracker_url else None
    from helpdesk.hooks import register_privacy_hooks

    keys = Keyring.from_settings(settings)
    register_privacy_hooks(keys, closed_ticket_days=settings.ticket_retention_days)
    return settings, Database(settings.database_url), keys, tracker


Rotator = Callable[[Session, Keyring], int]
_ROTATORS: dict[str, Rotator] = {}


def register_rotator(name: str, rotator: Rotator) -> None:
    """A feature's step of ``rotate_keys``: re-encrypt what it encrypted with the contact
    keys (``rotator(session, keys)`` returns how many values it re-encrypted)."""
    _ROTATORS[name] = rotator


def rotate_keys(session: Session, keys: Keyring) -> int:
    """Re-encrypt every contact (and every other value encrypted with the contact keys:
    written phone numbers, registered features) with the newest key; rebuild the index.

    Run it with the app stopped after putting a new key first in DIODO_CONTACT_KEYS (or
    setting a new DIODO_CONTACT_INDEX_KEY); afterwards the old key can be dropped.
    """
    count = 0
    for contact in session.scalars(select(Contact).with_for_update()):
        address = keys.decrypt(contact.address_enc)
        contact.address_enc = keys.rotate(contact.address_enc)
        contact.address_index = keys.index(contact.channel, address)
        count += 1
    counts = {"contact": count, "inbound_numbers": 0}
    sealed = select(InboundMessage).where(InboundMessage.numbers_enc.is_not(None))
    for message in session.scalars(sealed.with_for_update()):
        message.numbers_enc = keys.rotate(message.numbers_enc or "")
        counts["inbound_numbers"] += 1
    for name, rotator in sorted(_ROTATORS.items()):
        counts[name] = rotator(session, keys)
    audit(session, "key_rotation", actor="cli", channel=None, counts=counts)
    return count


def _rotate(_: argparse.Namespace) -> int:
    _settings, db, keys, _tracker = _setup()
    with db.session() as session:
        count = rotate_keys(session, keys)
    print(f"{count} contacts re-encrypted with the newest key.")
    return 0


def _retention(args: argparse.Namespace) -> int:
    settings, db, _keys, tracker = _setup()
    with db.session() as session:
        report = apply_retention(
            session,
            now=utcnow(),
            days=settings.retention_days,
            tracker=tracker,
            dry_run=args.dry_run,
            empty_web_session_hours=settings.webchat_empty_session_hours,
        )
        if args.dry_run:
            session.rollback()
    verb = "would erase" if args.dry_run else "erased"
    cutoff = f"{report.cutoff:%Y-%m-%d %H:%M} UTC"
    print(f"Retention ({settings.retention_days} days, before {cutoff}) {verb}:")
    for name, value in sorted(report.counts.items()):
        print(f"  {name}: {value}")
    return 0


def _export(args: argparse.Namespace) -> int:
    _settings, db, keys, tracker = _setup()
    with db.session() as session:
        data = export_citizen(
            session,
            keys,
            channel=args.channel,
            address=args.address,
            actor="admin:cli",
            tracker=tracker,
        )
    if data is None:
        print("Nothing is stored about this address.", file=sys.stderr)
        return 1
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _erase(args: argparse.Namespace) -> int:
    _settings, db, _keys, tracker = _setup()
    try:
        with db.session() as session:
            result = erase_conversation(
                session, args.conversation, actor=args.actor, tracker=tracker
            )
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"Conversation {args.conversation} erased: {result.counts}")
    return 0
