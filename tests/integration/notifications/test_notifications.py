"""E-mails to staff about urgent and overdue tickets, through a local fake SMTP server,
on SQLite and PostgreSQL: who gets them, once only, no citizen data, SMTP failures."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.db import Database
from helpdesk.notifications import service as notify
from helpdesk.notifications.jobs import NotificationJob
from helpdesk.notifications.models import NotificationSent, NotifyEvent
from helpdesk.notifications.smtp import SmtpMailer
from helpdesk.staff.models import StaffUser
from helpdesk.staff.principal import Role
from helpdesk.tickets import service as tickets
from helpdesk.tickets.models import Priority, Ticket, TicketType
from helpdesk.tickets.service import DueRules, TicketCreate
from tests.fakes.smtp import FakeSmtpServer
from tests.integration.tickets.factory import add_conversation, add_place, add_staff, at

# Friday 27 November 2026, 17:00 in Dortmund: the place (Mo-Fr 10-18) is open one more hour.
FRIDAY_5PM = at("2026-11-27T17:00:00+01:00")
SUMMARY = "Ich heiße Erika Mustermann, jemand hat mein Onlinebanking übernommen"
PHONE = "+49 231 9876543"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def smtp() -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer() as server:
        yield server


def _job(db: Database, port: int, clock: Clock) -> NotificationJob:
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender="diodo@test", starttls=False)
    return NotificationJob(db, mailer, public_url="https://diodo.test/", clock=clock)


def _staff(db: Database) -> dict[str, int]:
    """Two places and accounts around them; returns the place ids."""
    with db.session() as session:
        mitte = add_place(session, "mitte")
        nord = add_place(session, "nord")
        people = [
            ("helfer-mitte", Role.HELPER, (mitte,), "helfer.mitte@stadt.test"),
            ("helfer-nord", Role.HELPER, (nord,), "helfer.nord@stadt.test"),
            ("koordination", Role.COORDINATOR, (), "koordination@stadt.test"),
            ("organisation", Role.ORGANISER, (mitte,), "orga@stadt.test"),
            ("admin", Role.ADMIN, (), "admin@stadt.test"),
            ("ehemalig", Role.HELPER, (mitte,), "ehemalig@stadt.test"),
            ("ohne-mail", Role.HELPER, (mitte,), None),
        ]
        for username, role, places, email in people:
            principal = add_staff(session, username, role, places)
            user = session.get_one(StaffUser, principal.id)
            user.email = email
            user.active = username != "ehemalig"
    return {"mitte": mitte, "nord": nord}


def _open(db: Database, place_id: int | None, priority: Priority, address: str = "citizen") -> int:
    with db.session() as session:
        conversation = add_conversation(session, address)
        opened = tickets.open_ticket(
            session,
            TicketCreate(
                conversation_id=conversation.id,
                type=TicketType.RUECKRUF,
                priority=priority,
                place_id=place_id,
                topic="konto_gehackt",
                summary=SUMMARY,
                phone=PHONE,
                callback_window="heute ab 16 Uhr",
            ),
            now=FRIDAY_5PM,
            rules=DueRules(),
        )
        return opened.ticket_id


def _rows(db: Database) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(NotificationSent)) or 0


def test_urgent_ticket_mails_the_place_staff_and_coordinators_once(
    db: Database, smtp: FakeSmtpServer
) -> None:
    places = _staff(db)
    ticket_id = _open(db, places["mitte"], Priority.DRINGEND)
    job = _job(db, smtp.port, Clock(FRIDAY_5PM + timedelta(seconds=30)))

    assert job.run_once().sent == 1
    job.run_once()

    assert len(smtp.mails) == 1
    mail = smtp.mails[0]
    assert sorted(mail.recipients) == ["helfer.mitte@stadt.test", "koordination@stadt.test"]
    assert mail.sender == "diodo@test"
    assert f"dringende Anfrage Nr. {ticket_id}" in mail.message["Subject"]
    # Nobody sees the other recipients' addresses.
    assert "stadt.test" not in str(mail.message["To"])
    assert f"https://diodo.test/staff/tickets/{ticket_id}" in mail.text
    assert "Ort mitte" in mail.text
    # 60 staffed minutes from Friday 17:00 at a place open until 18:00.
    assert "27.11.2026, 18:00 Uhr" in mail.text


def test_central_queue_mails_only_the_coordinators(db: Database, smtp: FakeSmtpServer) -> None:
    _staff(db)
    _open(db, None, Priority.DRINGEND)
    _job(db, smtp.port, Clock(FRIDAY_5PM)).run_once()

    assert [mail.recipients for mail in smtp.mails] == [["koordination@stadt.test"]]
    assert "zentrale Warteschlange" in smtp.mails[0].text


def test_mail_holds_no_personal_data_of_the_citizen(db: Database, smtp: FakeSmtpServer) -> None:
    places = _staff(db)
    _open(db, places["nord"], Priority.DRINGEND)
    _job(db, smtp.port, Clock(FRIDAY_5PM)).run_once()

    raw = smtp.mails[0].data.decode("utf-8", "replace")
    content = smtp.mails[0].text
    for secret in ("Mustermann", "Erika", "Onlinebanking", "9876543", "16 Uhr"):
        assert secret not in raw
        assert secret not in content
    assert "konto_gehackt" in content  # the topic code is no personal data


def test_passed_first_response_deadline_mails_once(db: Database, smtp: FakeSmtpServer) -> None:
    places = _staff(db)
    overdue = _open(db, places["mitte"], Priority.NORMAL, address="a")
    answered = _open(db, places["mitte"], Priority.NORMAL, address="b")
    with db.session() as session:
        session.get_one(Ticket, answered).first_response_at = FRIDAY_5PM
        due = session.get_one(Ticket, overdue).first_response_due_at
    assert due is not None
    clock = Clock(due - timedelta(minutes=1))
    job = _job(db, smtp.port, clock)

    job.run_once()
    assert smtp.mails == []  # normal priority, not yet due: nothing
    clock.now = due + timedelta(minutes=1)
    job.run_once()
    clock.now = due + timedelta(hours=1)
    job.run_once()

    assert len(smtp.mails) == 1
    assert f"Anfrage Nr. {overdue} wartet noch auf eine erste Antwort" in smtp.mails[0].text
    assert sorted(smtp.mails[0].recipients) == [
        "helfer.mitte@stadt.test",
        "koordination@stadt.test",
    ]


def test_urgent_and_overdue_are_two_events_of_one_ticket(
    db: Database, smtp: FakeSmtpServer
) -> None:
    places = _staff(db)
    ticket_id = _open(db, places["mitte"], Priority.DRINGEND)
    _job(db, smtp.port, Clock(FRIDAY_5PM + timedelta(hours=2))).run_once()

    subjects = sorted(str(mail.message["Subject"]) for mail in smtp.mails)
    assert len(subjects) == 2
    assert all(f"Nr. {ticket_id}" in subject for subject in subjects)


def test_two_processes_on_one_database_send_one_mail(
    database_url: str, db: Database, smtp: FakeSmtpServer
) -> None:
    places = _staff(db)
    for n in range(5):
        _open(db, places["mitte"], Priority.DRINGEND, address=f"c{n}")
    other = Database(database_url)
    try:
        jobs = [_job(db, smtp.port, Clock(FRIDAY_5PM)), _job(other, smtp.port, Clock(FRIDAY_5PM))]
        threads = [threading.Thread(target=job.run_once) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for job in jobs:  # a restart finds the rows too
            job.run_once()
    finally:
        other.dispose()

    assert len(smtp.mails) == 5
    assert _rows(db) == 5


def test_the_once_row_is_the_claim(db: Database) -> None:
    places = _staff(db)
    ticket_id = _open(db, places["mitte"], Priority.DRINGEND)
    with db.session() as session:
        first = notify.claim(session, ticket_id, NotifyEvent.DRINGEND, FRIDAY_5PM)
    with db.session() as session:
        second = notify.claim(session, ticket_id, NotifyEvent.DRINGEND, FRIDAY_5PM)
    assert first is not None
    assert second is None


def test_smtp_down_is_retried_next_round(db: Database, smtp: FakeSmtpServer) -> None:
    places = _staff(db)
    _open(db, places["mitte"], Priority.DRINGEND)
    clock = Clock(FRIDAY_5PM)
    with FakeSmtpServer() as stopped:
        closed_port = stopped.port  # nothing listens there after the block
    down = _job(db, closed_port, clock)

    report = down.run_once()  # connection refused: logged, no exception
    assert (report.sent, report.failed) == (0, 1)
    smtp.set_failing(True)
    clock.now += timedelta(minutes=1)
    assert _job(db, smtp.port, clock).run_once().failed == 1  # 451 from the server
    assert smtp.mails == []

    smtp.set_failing(False)
    clock.now += timedelta(minutes=1)
    assert _job(db, smtp.port, clock).run_once().sent == 1
    _job(db, smtp.port, clock).run_once()
    assert len(smtp.mails) == 1


def test_old_events_are_not_mailed_when_notifications_start(
    db: Database, smtp: FakeSmtpServer
) -> None:
    places = _staff(db)
    _open(db, places["mitte"], Priority.DRINGEND)
    _job(db, smtp.port, Clock(FRIDAY_5PM + timedelta(days=5))).run_once()
    assert smtp.mails == []


async def test_job_task_survives_an_unreachable_server(db: Database) -> None:
    places = _staff(db)
    _open(db, places["mitte"], Priority.DRINGEND)
    mailer = SmtpMailer(host="127.0.0.1", port=1, sender="diodo@test", starttls=False)
    job = NotificationJob(
        db, mailer, public_url="https://diodo.test", interval_seconds=0.05, clock=Clock(FRIDAY_5PM)
    )
    job.start()
    await asyncio.sleep(0.3)
    await job.stop()
    with db.read_session() as session:
        row = session.scalars(select(NotificationSent)).one()
        assert row.sent_at is None
        assert row.attempts >= 1
