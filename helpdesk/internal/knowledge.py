"""Knowledge search for the action server."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from helpdesk.internal.auth import require_internal_caller
from knowledge import KnowledgeBase

router = APIRouter(
    prefix="/internal/knowledge",
    tags=["internal"],
    dependencies=[Depends(require_internal_caller)],
)


class SearchIn(BaseModel):
    query: str = Field(max_length=4000)
    limit: int = Field(default=3, ge=1, le=10)


class HitOut(BaseModel):
    id: str
    title: str
    answer: str
    sms: str
    score: float
    confidence: float
    confident: bool


class SearchOut(BaseModel):
    results: list[HitOut]


def get_knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge  # type: ignore[no-any-return]


KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]


@router.post("/search", response_model=SearchOut)
async def search(body: SearchIn, kb: KnowledgeDep) -> SearchOut:
    """Ranked articles for a citizen's question, with a confidence each."""

    def run() -> SearchOut:
        kb.reload_if_changed()
        hits = kb.search(body.query, limit=body.limit)
        return SearchOut(
            results=[
                HitOut(
                    id=hit.article.id,
                    title=hit.article.title,
                    answer=hit.article.answer,
                    sms=hit.article.sms,
                    score=hit.score,
                    confidence=hit.confidence,
                    confident=hit.confident,
                )
                for hit in hits
            ]
        )

    return await run_in_threadpool(run)
