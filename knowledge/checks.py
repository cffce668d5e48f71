"""Editor checks over a directory of articles: every problem at once, with file names.

`load_directory` stops at the first broken article, which is right for the running
app (it keeps the last good set) but slow for an editor fixing several files. `check`
reports every problem it finds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from knowledge.articles import (
    OUT_OF_SCOPE_FILE,
    Article,
    ArticleError,
    is_article_file,
    load_article,
    load_out_of_scope,
)
from knowledge.normalize import fold

MAX_TITLE_LENGTH = 80
MIN_ANSWER_WORDS = 30
MIN_EASY_WORDS = 20
MAX_QUESTION_LENGTH = 300
_PUNCTUATION = re.compile(r"[^\w ]+")


def check_directory(directory: Path | str) -> tuple[list[Article], list[str]]:
    """Load and check every article file of a directory.

    Checks each file (front matter, fields, sections, SMS in GSM-7 and at most two
    segments; see `knowledge.articles`), then lengths, and then the set: unique ids,
    file named after its id, related ids that exist, and no question asked in two
    articles (which would make the search guess).

    Args:
        directory: The directory holding ``<id>.md`` files.

    Returns:
        The articles that loaded, and the problems found, one line each, starting
        with the file name. No problems means the set is fine.
    """
    articles: list[Article] = []
    problems: list[str] = []
    for path in sorted(Path(directory).iterdir()):
        if not (is_article_file(path.name) and path.is_file()):
            continue
        try:
            articles.append(load_article(path))
        except ArticleError as exc:
            problems.append(str(exc))
    for article in articles:
        problems.extend(f"{article.path.name}: {p}" for p in check_lengths(article))
    problems.extend(check_set(articles))
    problems.extend(check_out_of_scope(directory, articles))
    return articles, problems


def check_out_of_scope(directory: Path | str, articles: Sequence[Article]) -> list[str]:
    """The out-of-scope list loads and asks nothing an article lists as its question."""
    try:
        questions = load_out_of_scope(directory)
    except ArticleError as exc:
        return [str(exc)]
    owners = {_question_key(q): article for article in articles for q in article.questions}
    return [
        f"{OUT_OF_SCOPE_FILE}: {question!r} is a question of {owners[key].path.name}"
        for question in questions
        if (key := _question_key(question)) in owners
    ]


def check_lengths(article: Article) -> list[str]:
    """Length rules for one article (besides the SMS, checked when loading)."""
    problems = []
    if article.path.name != f"{article.id}.md":
        problems.append(f"file name should be {article.id}.md")
    if len(article.title) > MAX_TITLE_LENGTH:
        problems.append(f"title is {len(article.title)} characters, at most {MAX_TITLE_LENGTH}")
    if len(article.answer.split()) < MIN_ANSWER_WORDS:
        problems.append(f"answer has fewer than {MIN_ANSWER_WORDS} words")
    if len(article.easy.split()) < MIN_EASY_WORDS:
        problems.append(f"Leichte Sprache has fewer than {MIN_EASY_WORDS} words")
    for question in article.questions:
        if len(question) > MAX_QUESTION_LENGTH:
            problems.append(f"question longer than {MAX_QUESTION_LENGTH}: {question[:40]!r}...")
    return problems


def check_set(articles: Sequence[Article]) -> list[str]:
    """Rules across articles: unique ids, existing related ids, no shared questions."""
    problems = []
    by_id: dict[str, Article] = {}
    for article in articles:
        if article.id in by_id:
            first = by_id[article.id].path.name
            problems.append(f"{article.path.name}: duplicate id {article.id!r} (also in {first})")
        by_id.setdefault(article.id, article)
    for article in articles:
        problems.extend(
            f"{article.path.name}: related id {related!r} does not exist"
            for related in article.related
            if related not in by_id
        )
    asked: dict[str, Article] = {}
    for article in articles:
        for question in dict.fromkeys(_question_key(q) for q in article.questions):
            other = asked.setdefault(question, article)
            if other is not article:
                problems.append(
                    f"{article.path.name}: question {question!r} is also in {other.path.name}"
                )
    return problems


def _question_key(question: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", fold(question)).split())
