"""Handoff to a person, for the action server: preview the queue, open the ticket."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from helpdesk.analytics.events import record_for_sender
from helpdesk.analytics.models import Outcome
from helpdesk.deps import DbDep, NotifierDep, SettingsDep
from helpdesk.internal.auth import require_internal_caller
from helpdesk.internal.places import ClockDep, SnapshotDep
from helpdesk.places.geo import get_geography
from helpdesk.settings import Settings
from helpdesk.tickets.errors import ConversationNotFound
from helpdesk.tickets.handoff import HandoffPlan, HandoffRequest, hand_off, plan_handoff
from helpdesk.tickets.models import Priority, TicketType
from helpdesk.tickets.service import DueRules, Opened

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/internal/tickets",
    tags=["internal"],
    dependencies=[Depends(require_internal_caller)],
)


def get_due_rules(request: Request) -> DueRules:
    rules: DueRules | None = getattr(request.app.state, "due_rules", None)
    return rules or DueRules()


DueRulesDep = Annotated[DueRules, Depends(get_due_rules)]


class PreviewIn(BaseModel):
    stadtbezirk: str | None = Field(default=None, max_length=100)


class PlanOut(BaseModel):
    place_name: str
    when: str = Field(description='German: "morgen 10–12 Uhr Sprechstunde"')
    central: bool


class HandoffIn(BaseModel):
    sender: str = Field(min_length=1, max_length=128, description="the conversation pseudonym")
    type: TicketType = TicketType.FRAGE
    priority: Priority = Priority.NORMAL
    topic: str = Field(default="", max_length=100)
    stadtbezirk: str | None = Field(default=None, max_length=100)
    summary: str = Field(default="", max_length=4000)
    callback_window: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9 +()/-]{3,40}$")
    use_sms_number: bool = False
    use_written_number: bool = Field(
        default=False,
        description="call back on the number the citizen wrote (the app keeps it encrypted; "
        "Rasa only saw a placeholder)",
    )


class HandoffOut(PlanOut):
    ticket_id: int
    created: bool


def _plan_out(plan: HandoffPlan) -> PlanOut:
    return PlanOut(place_name=plan.place_name, when=plan.when, central=plan.place_id is None)


@router.post("/preview", response_model=PlanOut)
async def preview(
    body: PreviewIn, db: DbDep, snapshot: SnapshotDep, clock: ClockDep, rules: DueRulesDep
) -> PlanOut:
    """Which queue would take the request, and when someone is there."""

    def run() -> HandoffPlan:
        with db.read_session() as session:
            return plan_handoff(
                session, body.stadtbezirk, now=clock(), rules=rules, snapshot=snapshot
            )

    return _plan_out(await run_in_threadpool(run))


@router.post("", response_model=HandoffOut, status_code=status.HTTP_201_CREATED)
async def create(
    body: HandoffIn,
    db: DbDep,
    snapshot: SnapshotDep,
    clock: ClockDep,
    rules: DueRulesDep,
    notifier: NotifierDep,
    request_: Request,
    settings: SettingsDep,
) -> HandoffOut:
    """Open the ticket the citizen agreed to (an open one is returned, not duplicated)."""
    keys = request_.app.state.keys
    request = HandoffRequest(
        pseudonym=body.sender,
        type=body.type,
        priority=body.priority,
        topic=body.topic,
        stadtbezirk=body.stadtbezirk,
        summary=body.summary,
        callback_window=body.callback_window,
        phone=body.phone,
        use_sms_number=body.use_sms_number,
        use_written_number=body.use_written_number,
    )
    now: Callable[[], datetime] = clock

    def run() -> tuple[Opened, HandoffPlan]:
        with db.session() as session:
            opened, plan = hand_off(
                session, request, now=now(), rules=rules, keys=keys, snapshot=snapshot
            )
            if opened.created:
                _record_handoff(session, settings, request, plan)
            return opened, plan

    try:
        opened, plan = await run_in_threadpool(run)
    except ConversationNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown conversation") from error
    if opened.created:
        notifier.tickets_changed()
    out = _plan_out(plan)
    return HandoffOut(**out.model_dump(), ticket_id=opened.ticket_id, created=opened.created)


def _record_handoff(
    session: Session, settings: Settings, request: HandoffRequest, plan: HandoffPlan
) -> None:
    """The pseudonymous demand event of a handoff, in the ticket's own transaction."""
    district = get_geography().canonical(request.stadtbezirk) if request.stadtbezirk else None
    try:
        record_for_sender(
            session,
            sender=request.pseudonym,
            key=settings.pseudonym_key.get_secret_value(),
            outcome=Outcome.HANDED_OFF,
            stadtbezirk=district,
            topic=request.topic or None,
            place_id=plan.place_id,
        )
    except ValueError:  # an unexpected topic: the ticket matters more than the statistic
        log.warning("analytics: handoff event not recorded (unexpected category)")
