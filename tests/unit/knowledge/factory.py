"""Builds article files for tests, valid unless a test says otherwise."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

_QUESTIONS = [
    "Wie mache ich ein Foto?",
    "foto machen handy",
    "wie geht fotografieren",
    "Wo ist die Kamera?",
    "bild machen mit dem handy",
]


def article_text(
    article_id: str = "foto-test",
    answer: str = "Öffnen Sie die Kamera-App und tippen Sie auf den runden Knopf.",
    easy: str = "Öffnen Sie die Kamera. Tippen Sie auf den Knopf.",
    drop: tuple[str, ...] = (),
    **fields: Any,
) -> str:
    """Return the text of an article file.

    Args:
        article_id: The id in the front matter.
        answer: Body of "## Antwort".
        easy: Body of "## Leichte Sprache".
        drop: Front-matter fields to leave out.
        **fields: Front-matter fields to set or replace.
    """
    meta: dict[str, Any] = {
        "id": article_id,
        "title": "Ein Foto machen",
        "topic": "fotos",
        "competence_area": "4",
        "questions": _QUESTIONS,
        "sms": "Foto: Kamera-App öffnen, auf den runden Knopf tippen.",
        "related": [],
        "review_by": datetime.date(2027, 6, 30),
    }
    meta.update(fields)
    for name in drop:
        del meta[name]
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n## Antwort\n{answer}\n\n## Leichte Sprache\n{easy}\n"


def write_article(directory: Path, name: str | None = None, **kwargs: Any) -> Path:
    """Write an article file (``<id>.md`` unless ``name`` is given) and return its path."""
    article_id = kwargs.setdefault("article_id", "foto-test")
    path = directory / (name or f"{article_id}.md")
    path.write_text(article_text(**kwargs), encoding="utf-8")
    return path
