"""Knowledge search, articles by id and feedback for the action server."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from helpdesk.deps import DbDep
from helpdesk.internal.auth import require_internal_caller
from helpdesk.knowledge import service
from knowledge import Article, KnowledgeBase

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
async def search(body: SearchIn, kb: KnowledgeDep, db: DbDep) -> SearchOut:
    """Ranked articles for a citizen's question, with a confidence each and a verdict."""

    def run() -> SearchOut:
        kb.reload_if_changed()
        hits = kb.search(body.query, limit=body.limit)
        outcome = kb.verdict(hits)
        if outcome == "none" and body.record_unanswered:
            with db.session() as session:
                service.record_unanswered(session, body.query)
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
async def feedback(body: FeedbackIn, kb: KnowledgeDep, db: DbDep) -> FeedbackOut:
    """Count "Hat (nicht) geholfen" for an article (unknown ids are ignored)."""

    def run() -> FeedbackOut:
        if kb.get(body.article_id) is None:
            return FeedbackOut(recorded=False)
        with db.session() as session:
            service.record_feedback(
                session, article_id=body.article_id, helpful=body.helpful, channel=body.channel
            )
        return FeedbackOut(recorded=True)

    return await run_in_threadpool(run)
