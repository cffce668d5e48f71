"""The inbox worker with a fake assistant: no bot reply while a ticket is open, the bot
again after the helper resolved it."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk.conversations.models import InboundMessage, InboundStatus, OutboundMessage
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.worker import InboxWorker
from helpdesk.db import Database, utcnow
from helpdesk.staff.principal import Role
from helpdesk.texts import text
from helpdesk.tickets import service
from helpdesk.tickets.models import Author, TicketMessage, TicketState
from helpdesk.tickets.service import DueRules, TicketCreate
from tests.integration.test_inbox_worker import Down, FakeAssistant, _store, _until
from tests.integration.tickets.factory import add_conversation, add_staff


def _worker(db: Database, assistant: FakeAssistant) -> InboxWorker:
    return InboxWorker(
        db,
        assistant,
        Notifier(),
        transient_errors=(Down,),
        concurrency=2,
        poll_interval=0.02,
        pause=lambda session, claim: service.absorb_inbound(session, claim, now=utcnow()),
    )


def _all_done(db: Database) -> bool:
    with db.read_session() as session:
        statuses = session.scalars(select(InboundMessage.status)).all()
    return bool(statuses) and all(status == InboundStatus.DONE for status in statuses)


def _outbox(db: Database) -> list[tuple[str, str]]:
    with db.read_session() as session:
        rows = session.execute(
            select(OutboundMessage.kind, OutboundMessage.text).order_by(OutboundMessage.id)
        ).all()
    return [(kind, body) for kind, body in rows]


async def test_no_bot_reply_while_a_ticket_is_open_and_the_bot_after_resolving(
    db: Database,
) -> None:
    with db.session() as session:
        conversation = add_conversation(session, "citizen")
        coordinator = add_staff(session, "cora", Role.COORDINATOR)
        ticket_id = service.open_ticket(
            session, TicketCreate(conversation_id=conversation.id), now=utcnow(), rules=DueRules()
        ).ticket_id
    assistant = FakeAssistant()
    worker = _worker(db, assistant)
    worker.start()
    try:
        for number in range(3):
            _store(db, "citizen", f"m{number}", f"Nachricht {number}")
        await _until(lambda: _all_done(db))
        assert assistant.calls == []
        assert _outbox(db) == []
        with db.read_session() as session:
            thread = session.scalars(
                select(TicketMessage.text)
                .where(TicketMessage.ticket_id == ticket_id, TicketMessage.author == Author.CITIZEN)
                .order_by(TicketMessage.id)
            ).all()
        assert thread == ["Nachricht 0", "Nachricht 1", "Nachricht 2"]

        with db.session() as session:
            service.set_state(session, coordinator, ticket_id, TicketState.GELOEST, now=utcnow())
        _store(db, "citizen", "m9", "Wie schicke ich ein Foto?")
        await _until(lambda: _all_done(db) and len(_outbox(db)) == 2)
    finally:
        await worker.stop()
    assert [body for _sender, body in assistant.calls] == ["Wie schicke ich ein Foto?"]
    assert _outbox(db) == [
        ("system", text("ticket_resolved")),
        ("reply", "Antwort auf Wie schicke ich ein Foto?"),
    ]
