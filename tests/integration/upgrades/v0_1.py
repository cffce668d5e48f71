"""A database as DiODo v0.1 left it, built without a binary file in the repository.

v0.1 is commit 05e24d1 (tag ``v0.1``); its newest migration is ``0008``. ``build_v0_1``
migrates an empty database to that revision with the migrations still in the tree and
fills it with plain SQL written against v0.1's schema: a conversation on each channel
with inbound and outbound messages (one still waiting for Rasa, one reply not yet sent),
SMS state, two tickets with their thread and history, places, a staff account, demand
events and their monthly counts, feedback, unanswered questions and audit entries.
``v0_1_checks.check_v0_1`` reads it all back through today's models and services.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, create_engine, inspect, text

from helpdesk import migrate
from tests.keys import KEYS

V0_1_REVISION = "0008"

WEB_SESSION = "v01-web-session-token-abcdefghijklmnop"
CHAT_ID = "424242"
PHONE = "+491701234567"
ADDRESSES = {"web": WEB_SESSION, "telegram": CHAT_ID, "sms": PHONE}
CONVERSATION_IDS = {"web": 1, "telegram": 2, "sms": 3}
WRITTEN_NUMBER = "Meine Nummer ist 0231 9876543"
CALLBACK_WINDOW = "morgen ab 14 Uhr"
BUTTONS = [{"title": "Hat geholfen", "payload": "/article_helpful"}]
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# Rows per table after build_v0_1 (tables today's schema added are empty).
COUNTS = {
    "place": 2,
    "staff_user": 1,
    "staff_place": 1,
    "contact": 3,
    "conversation": 3,
    "inbound_message": 7,
    "outbound_message": 8,
    "sms_state": 1,
    "sms_message": 1,
    "ticket": 2,
    "ticket_message": 3,
    "ticket_event": 2,
    "demand_event": 4,
    "demand_month": 4,
    "article_feedback": 1,
    "unanswered_question": 1,
    "privacy_audit": 1,
    "audit_log": 1,
}


def _at(conn: Connection, minute: int) -> str:
    """T0 plus ``minute`` minutes, as v0.1 stored timestamps on this backend."""
    moment = T0.replace(minute=minute)
    if conn.dialect.name == "sqlite":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # naive UTC, SQLAlchemy's format
    return moment.isoformat()


def _insert(conn: Connection, table: str, **values: Any) -> None:
    columns = ", ".join(f'"{name}"' for name in values)
    params = ", ".join(f":{name}" for name in values)
    conn.execute(text(f'INSERT INTO "{table}" ({columns}) VALUES ({params})'), values)


def _places(conn: Connection) -> None:
    common = {
        "street": "",
        "postcode": "",
        "latitude": 51.5,
        "longitude": 7.46,
        "target_groups": json.dumps(["senioren"]),
        "accessibility_notes": "",
        "phone": "",
        "email": "",
        "closures": "",
        "is_example_data": False,
        "created_at": _at(conn, 0),
        "updated_at": _at(conn, 0),
    }
    _insert(
        conn,
        "place",
        id=1,
        key="v01-bibliothek-hoerde",
        name="Bibliothek Hörde (v0.1)",
        operator_type="bibliothek",
        stadtbezirk="Hörde",
        stadtteil="Hörde",
        stufe=3,
        services=json.dumps(["wlan", "pcs", "consultation_hours"]),
        accessibility="ja",
        languages=json.dumps(["de", "tr"]),
        opening_hours="Mo-Fr 10:00-18:00",
        consultation_hours="Di 14:00-16:00",
        **common,
    )
    _insert(
        conn,
        "place",
        id=2,
        key="v01-vhs-innenstadt",
        name="VHS Innenstadt (v0.1)",
        operator_type="vhs",
        stadtbezirk="Innenstadt-West",
        stadtteil="City",
        stufe=4,
        services=json.dumps(["courses"]),
        accessibility="teilweise",
        languages=json.dumps(["de"]),
        opening_hours="Mo-Do 08:00-20:00",
        consultation_hours="",
        **common,
    )
    _insert(
        conn,
        "staff_user",
        id=1,
        username="helga",
        display_name="Helga Helferin",
        role="helper",
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
        active=True,
        failed_logins=0,
        created_at=_at(conn, 0),
        password_changed_at=_at(conn, 0),
    )
    _insert(conn, "staff_place", staff_id=1, place_id=1)


def _conversations(conn: Connection) -> None:
    for channel, number in CONVERSATION_IDS.items():
        address = ADDRESSES[channel]
        _insert(
            conn,
            "contact",
            id=number,
            channel=channel,
            address_enc=KEYS.encrypt(address),
            address_index=KEYS.index(channel, address),
            created_at=_at(conn, number),
        )
        _insert(
            conn,
            "conversation",
            id=number,
            contact_id=number,
            channel=channel,
            pseudonym=KEYS.pseudonym(channel, address, salt="v0.1"),
            pseudonym_key_id="1",
            notice_sent_at=None if channel == "web" else _at(conn, number),
            created_at=_at(conn, number),
            last_activity_at=_at(conn, 30),
        )
    inbound = [  # id, conversation, channel message id, text, status
        (1, 1, "w1", "Wie mache ich ein Foto?", "done"),
        (2, 1, "w2", "Danke", "done"),
        (3, 2, "1001", "/start", "done"),
        (4, 2, "1002", "Wo gibt es WLAN in Hörde?", "done"),
        (5, 2, "1003", "Hallo?", "pending"),  # waiting for Rasa when v0.1 stopped
        (6, 3, "SMa", "Ich möchte einen Rückruf", "done"),
        (7, 3, "SMb", WRITTEN_NUMBER, "done"),
    ]
    for number, conversation, message_id, body, status in inbound:
        _insert(
            conn,
            "inbound_message",
            id=number,
            conversation_id=conversation,
            channel_message_id=message_id,
            text=body,
            status=status,
            attempts=1 if status == "done" else 0,
            next_attempt_at=_at(conn, 10 + number),
            received_at=_at(conn, 10 + number),
            processed_at=_at(conn, 11 + number) if status == "done" else None,
        )
    outbound = [  # id, conversation, inbound, channel, kind, text, status
        (1, 1, 1, "web", "reply", "So machen Sie ein Foto ...", "sent"),
        (2, 1, 2, "web", "reply", "Gern geschehen!", "sent"),
        (3, 2, None, "telegram", "system", "Datenschutz-Hinweis", "sent"),
        (4, 2, 3, "telegram", "reply", "Hallo! Wobei kann ich helfen?", "sent"),
        (5, 2, 4, "telegram", "reply", "WLAN gibt es in der Bibliothek Hörde.", "sent"),
        (6, 3, None, "sms", "system", "Datenschutz-Hinweis", "sent"),
        (7, 3, 6, "sms", "reply", "Eine Person ruft Sie an.", "sent"),
        (8, 3, None, "sms", "staff", "Wir rufen morgen an. Helga", "pending"),
    ]
    for number, conversation, inbound_id, channel, kind, body, status in outbound:
        _insert(
            conn,
            "outbound_message",
            id=number,
            conversation_id=conversation,
            inbound_message_id=inbound_id,
            channel=channel,
            kind=kind,
            text=body,
            buttons=json.dumps(BUTTONS if number == 1 else []),
            status=status,
            attempts=1 if status == "sent" else 0,
            next_attempt_at=_at(conn, 20 + number),
            created_at=_at(conn, 20 + number),
            sent_at=_at(conn, 21 + number) if status == "sent" else None,
        )
    _insert(
        conn,
        "sms_state",
        conversation_id=3,
        choices=json.dumps([{"title": "Ja", "payload": "/affirm"}]),
        more_pages=json.dumps([]),
        updated_at=_at(conn, 28),
    )
    _insert(
        conn,
        "sms_message",
        sid="SM" + "0" * 32,
        conversation_id=3,
        outbound_message_id=7,
        status="delivered",
        created_at=_at(conn, 28),
        updated_at=_at(conn, 29),
    )


def _tickets(conn: Connection) -> None:
    base = {"topic": "persoenliche_hilfe", "created_at": _at(conn, 30), "updated_at": _at(conn, 31)}
    _insert(
        conn,
        "ticket",
        id=1,
        conversation_id=3,
        open_conversation_id=3,
        type="rueckruf",
        state="in_bearbeitung",
        priority="hoch",
        place_id=1,
        stadtbezirk="Hörde",
        summary="Ich möchte einen Rückruf",
        assignee_id=1,
        callback_window=CALLBACK_WINDOW,  # plain text in v0.1; migration 0009 encrypts it
        phone=KEYS.encrypt(PHONE),
        first_response_due_at=_at(conn, 50),
        **base,
    )
    _insert(
        conn,
        "ticket",
        id=2,
        conversation_id=1,
        type="frage",
        state="geschlossen",
        priority="normal",
        summary="Foto verschicken",
        resolved_at=_at(conn, 40),
        **base,
    )
    thread = [  # id, author, staff, text, inbound, outbound
        (1, "citizen", None, "Ich möchte einen Rückruf", 6, None),
        (2, "staff", 1, "Wir rufen morgen an. Helga", None, 8),
        (3, "note", 1, "Hört schlecht, laut sprechen", None, None),
    ]
    for number, author, staff, body, inbound_id, outbound_id in thread:
        _insert(
            conn,
            "ticket_message",
            id=number,
            ticket_id=1,
            author=author,
            staff_id=staff,
            text=body,
            inbound_message_id=inbound_id,
            outbound_message_id=outbound_id,
            created_at=_at(conn, 32 + number),
        )
    for number, kind in ((1, "created"), (2, "assigned")):
        data = json.dumps({"assignee": 1} if kind == "assigned" else {})
        _insert(
            conn,
            "ticket_event",
            id=number,
            ticket_id=1,
            kind=kind,
            staff_id=1 if kind == "assigned" else None,
            data=data,
            created_at=_at(conn, 30 + number),
        )


def _analytics(conn: Connection) -> None:
    events = [  # id, channel, stadtbezirk, topic, outcome, level, place, generated
        (1, "web", None, "fotos", "answered", None, None, False),
        (2, "telegram", "Hörde", "wlan", "routed", 2, 1, False),
        (3, "sms", "Hörde", "persoenliche_hilfe", "handed_off", None, 1, False),
        (4, "web", "Eving", "fotos", "answered", None, None, True),  # demo data
    ]
    for number, channel, bezirk, topic, outcome, level, place, generated in events:
        _insert(
            conn,
            "demand_event",
            id=number,
            occurred_at=_at(conn, 40 + number),
            day="2026-11-20",
            month="2026-11",
            channel=channel,
            stadtbezirk=bezirk,
            topic=topic,
            outcome=outcome,
            level_needed=level,
            place_id=place,
            conversation_ref=f"{number:064x}",
            generated=generated,
        )
        _insert(
            conn,
            "demand_month",
            month="2026-11",
            channel=channel,
            stadtbezirk=bezirk or "",
            topic=topic,
            competence_area="",
            outcome=outcome,
            level_needed=level or 0,
            generated=generated,
            n=1,
        )
    _insert(
        conn,
        "article_feedback",
        id=1,
        day="2026-11-20",
        article_id="foto-machen-und-senden",
        channel="web",
        helpful=True,
        count=3,
    )
    _insert(
        conn,
        "unanswered_question",
        id=1,
        question_hash="a" * 64,
        question="wie kündige ich mein zeitungsabo",
        count=2,
        first_seen="2026-11-19",
        last_seen="2026-11-20",
    )
    _insert(
        conn,
        "privacy_audit",
        id=1,
        at=_at(conn, 45),
        action="export",
        actor="admin:cli",
        channel="sms",
        counts=json.dumps({"inbound_message": 2}),
    )
    _insert(
        conn,
        "audit_log",
        id=1,
        at=_at(conn, 46),
        staff_id=1,
        action="ticket.assign",
        object_type="ticket",
        object_id="1",
        detail=json.dumps({"assignee": 1}),
    )


def _advance_sequences(conn: Connection) -> None:
    """PostgreSQL: explicit ids do not move the id sequences, v0.1's own inserts did."""
    if conn.dialect.name != "postgresql":
        return
    for table in inspect(conn).get_table_names():
        columns = {c["name"] for c in inspect(conn).get_columns(table)}
        if "id" in columns:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'(SELECT MAX(id) FROM "{table}")) WHERE EXISTS (SELECT 1 FROM "{table}")'
                )
            )


def build_v0_1(url: str) -> None:
    """An empty database at ``url`` made into a filled v0.1 database (keys: tests.keys;
    the environment must hold them, as it must for every migration)."""
    migrate.upgrade(url, V0_1_REVISION)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            _places(conn)
            _conversations(conn)
            _tickets(conn)
            _analytics(conn)
            _advance_sequences(conn)
    finally:
        engine.dispose()
