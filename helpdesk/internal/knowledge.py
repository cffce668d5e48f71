"""Knowledge search, articles by id and feedback for the action server."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from helpdesk.analytics.events import record_for_sender
from helpdesk.analytics.models import Outcome
from helpdesk.db import Database
from helpdesk.deps import DbDep, SettingsDep
from helpdesk.internal.auth import require_internal_caller
from helpdesk.knowledge import service
from helpdesk.places.geo import get_geography
from helpdesk.settings import Settings
from knowledge import Article, KnowledgeBase

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/internal/knowledge",
    tags=["internal"],
    dependencies=[Depends(require_internal_caller)],
)


class SearchIn(BaseModel):
    query: str = Field(max_length=4000)
    limit: int = Field(default=3, ge=1, le=10)
    record_unanswered: bool = Field(
        default=False,
        description="A citizen asked: when nothing fits, count the question (redacted) "
        "for the editors.",
    )
    sender: str | None = Field(
        default=None, max_length=128, description="the conversation's pseudonym, for analytics"
    )
    stadtbezirk: str | None = Field(default=None, max_length=64)


class ArticleOut(BaseModel):
    id: str
    title: str
    answer: str
    sms: str
    easy: str


class HitOut(ArticleOut):
    score: float
    confidence: float
    confident: bool


class SearchOut(BaseModel):
    outcome: Literal["answer", "choices", "none"] = Field(
        description="answer: send results[0]; choices: offer the results; "
        "none: nothing fits, offer a place or a human"
    )
    results: list[HitOut]


class ArticleIn(BaseModel):
    id: str = Field(max_length=100)


class ArticleFound(BaseModel):
    article: ArticleOut | None


class FeedbackIn(BaseModel):
    article_id: str = Field(max_length=64, pattern=r"^[a-z0-9-]+$")
    helpful: bool
    channel: str = Field(max_length=16)
    sender: str | None = Field(
        default=None, max_length=128, description="the conversation's pseudonym, for analytics"
    )
    stadtbezirk: str | None = Field(default=None, max_length=64)


class FeedbackOut(BaseModel):
    recorded: bool


def get_knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge  # type: ignore[no-any-return]


KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]


def _article(article: Article) -> dict[str, str]:
    return {
        "id": article.id,
        "title": article.title,
        "answer": article.answer,
        "sms": article.sms,
        "easy": article.easy,
    }


@router.post("/search", response_model=SearchOut)
async def search(body: SearchIn, kb: KnowledgeDep, db: DbDep, settings: SettingsDep) -> SearchOut:
    """Ranked articles for a citizen's question, with a confidence each and a verdict."""

    def run() -> SearchOut:
        kb.reload_if_changed()
        hits = kb.search(body.query, limit=body.limit)
        outcome = kb.verdict(hits)
        if outcome == "none" and body.record_unanswered:
            with db.session() as session:
                service.record_unanswered(session, body.query)
        if body.sender:
            closest = hits[0].article if hits else None
            _record_demand(
                db,
                settings,
                body.sender,
                OUTCOMES_BY_VERDICT[outcome],
                body.stadtbezirk,
                closest,
            )
        return SearchOut(
            outcome=outcome,
            results=[
                HitOut(
                    **_article(hit.article),
                    score=hit.score,
                    confidence=hit.confidence,
                    confident=hit.confident,
                )
                for hit in hits
            ],
        )

    return await run_in_threadpool(run)


@router.post("/article", response_model=ArticleFound)
async def article(body: ArticleIn, kb: KnowledgeDep) -> ArticleFound:
    """One article by id (a choice the citizen picked, or the current article again)."""

    def run() -> ArticleFound:
        kb.reload_if_changed()
        found = kb.get(body.id)
        return ArticleFound(article=ArticleOut(**_article(found)) if found else None)

    return await run_in_threadpool(run)


@router.post("/feedback", response_model=FeedbackOut)
async def feedback(
    body: FeedbackIn, kb: KnowledgeDep, db: DbDep, settings: SettingsDep
) -> FeedbackOut:
    """Count "Hat (nicht) geholfen" for an article (unknown ids are ignored)."""

    def run() -> FeedbackOut:
        found = kb.get(body.article_id)
        if found is None:
            return FeedbackOut(recorded=False)
        with db.session() as session:
            service.record_feedback(
                session, article_id=body.article_id, helpful=body.helpful, channel=body.channel
            )
        if body.sender:
            outcome = Outcome.HELPFUL if body.helpful else Outcome.NOT_HELPFUL
            _record_demand(db, settings, body.sender, outcome, body.stadtbezirk, found)
        return FeedbackOut(recorded=True)

    return await run_in_threadpool(run)


OUTCOMES_BY_VERDICT = {
    "answer": Outcome.ANSWERED,
    "choices": Outcome.CLARIFIED,
    "none": Outcome.UNANSWERED,
}


def _record_demand(
    db: Database,
    settings: Settings,
    sender: str,
    outcome: Outcome,
    stadtbezirk: str | None,
    article: Article | None,
) -> None:
    """A pseudonymous demand event: the article's topic (the closest one when nothing fit),
    never the question itself."""
    district = get_geography().canonical(stadtbezirk) if stadtbezirk else None
    try:
        with db.session() as session:
            record_for_sender(
                session,
                sender=sender,
                key=settings.pseudonym_key.get_secret_value(),
                outcome=outcome,
                stadtbezirk=district,
                topic=article.topic if article else None,
                competence_area=article.competence_area if article else None,
            )
    except Exception as exc:  # analytics must never cost the citizen their answer
        log.warning("analytics: knowledge event not recorded (%s)", type(exc).__name__)
