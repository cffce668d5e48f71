"""Knowledge articles: Markdown files with YAML front matter, loaded and validated.

An article file looks like this::

    ---
    id: wlan-verbinden
    title: Das Handy mit dem WLAN verbinden
    topic: internet
    competence_area: "1"
    questions:
      - Wie komme ich ins WLAN?
      - ...
    sms: "WLAN: Einstellungen oeffnen, ..."
    related: [sicheres-passwort]
    review_by: 2027-06-30
    ---
    ## Antwort
    ...

    ## Leichte Sprache
    ...

Every problem is reported as an `ArticleError` that names the file and what is wrong,
so an author can fix it without reading this code.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.gsm7 import gsm7_length

COMPETENCE_AREAS = frozenset({"1", "2", "3", "4", "5", "6", "lokal"})
MIN_QUESTIONS = 5
MAX_SMS_LENGTH = 306  # two concatenated GSM-7 segments of 153 septets
ANSWER_SECTION = "Antwort"
EASY_SECTION = "Leichte Sprache"

_REQUIRED = ("id", "title", "topic", "competence_area", "questions", "sms", "review_by")
_OPTIONAL = ("related",)
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?(.*)\Z", re.S | re.M)
# The C loader is ~10x faster where PyYAML was built with libyaml; both are "safe".
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*$", re.M)


class ArticleError(ValueError):
    """An article file is missing something or breaks a rule."""


class _Invalid(Exception):
    """A rule broken inside one file; `load_article` adds the file name."""


@dataclass(frozen=True)
class Article:
    """One knowledge article.

    Attributes:
        id: Stable identifier, lower-case words joined by hyphens; also the file name.
        title: Headline shown to the citizen.
        topic: Short topic slug used for analytics ("fotos", "sicherheit").
        competence_area: "1".."6" (competence areas in DOMAIN.md) or "lokal".
        questions: How citizens ask for this article, in their own words.
        answer: Markdown of the "## Antwort" section.
        easy: Markdown of the "## Leichte Sprache" section.
        sms: Short form for SMS: GSM-7 only, at most two segments.
        related: Ids of articles worth offering next.
        review_by: Date by which the content must be checked again.
        path: File the article was loaded from.
    """

    id: str
    title: str
    topic: str
    competence_area: str
    questions: tuple[str, ...]
    answer: str
    easy: str
    sms: str
    related: tuple[str, ...]
    review_by: datetime.date
    path: Path


def load_article(path: Path | str) -> Article:
    """Read and validate one article file.

    Args:
        path: The Markdown file.

    Returns:
        The article.

    Raises:
        ArticleError: If the file cannot be read or breaks a rule; the message starts
            with the file name.
    """
    path = Path(path)
    try:
        return _parse(path, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ArticleError(f"{path.name}: cannot read file: {exc}") from exc
    except _Invalid as exc:
        raise ArticleError(f"{path.name}: {exc}") from None


def is_article_file(name: str) -> bool:
    """Whether a file name is an article's; hidden files (editor locks, drafts) are not."""
    return name.endswith(".md") and not name.startswith(".")


OUT_OF_SCOPE_FILE = "out_of_scope.yml"
OUT_OF_SCOPE_MAX_CHARS = 200


def load_out_of_scope(directory: Path | str) -> tuple[str, ...]:
    """Questions the articles do not answer (``out_of_scope.yml`` beside the articles).

    The file maps a topic name to a list of questions; a missing file means none.

    Args:
        directory: The articles' directory.

    Returns:
        The questions, in file order.

    Raises:
        ArticleError: If the file is unreadable or not a mapping of topics to lists of
            short, non-empty questions.
    """
    path = Path(directory) / OUT_OF_SCOPE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArticleError(f"{OUT_OF_SCOPE_FILE}: cannot read file: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ArticleError(f"{OUT_OF_SCOPE_FILE}: not valid YAML: {exc}") from None
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, dict):
        raise ArticleError(f"{OUT_OF_SCOPE_FILE}: needs 'topics:' with a list per topic")
    questions: list[str] = []
    for topic, items in topics.items():
        if not isinstance(items, list) or not items:
            raise ArticleError(f"{OUT_OF_SCOPE_FILE}: topic {topic!r} needs a list of questions")
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise ArticleError(f"{OUT_OF_SCOPE_FILE}: topic {topic!r} has an empty entry")
            if len(item) > OUT_OF_SCOPE_MAX_CHARS:
                raise ArticleError(
                    f"{OUT_OF_SCOPE_FILE}: topic {topic!r}: question longer than "
                    f"{OUT_OF_SCOPE_MAX_CHARS} characters"
                )
            questions.append(item.strip())
    return tuple(dict.fromkeys(questions))


def load_directory(path: Path | str) -> list[Article]:
    """Load every ``*.md`` article in a directory and check them as a set.

    Args:
        path: The directory (not searched recursively).

    Returns:
        The articles, sorted by id.

    Raises:
        ArticleError: If any article is invalid, two articles share an id, or an
            article names a related id that does not exist.
    """
    files = sorted(f for f in Path(path).iterdir() if is_article_file(f.name) and f.is_file())
    articles = [load_article(file) for file in files]
    check_collection(articles)
    return sorted(articles, key=lambda article: article.id)


def check_collection(articles: Iterable[Article]) -> None:
    """Check rules that span articles: unique ids, existing related ids.

    Args:
        articles: Articles that are each valid on their own.

    Raises:
        ArticleError: Naming the offending file(s).
    """
    by_id: dict[str, Article] = {}
    for article in articles:
        if article.id in by_id:
            first = by_id[article.id].path.name
            raise ArticleError(
                f"{article.path.name}: duplicate id {article.id!r} (also in {first})"
            )
        by_id[article.id] = article
    for article in by_id.values():
        for related in article.related:
            if related not in by_id:
                raise ArticleError(f"{article.path.name}: related id {related!r} does not exist")


def _parse(path: Path, text: str) -> Article:
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise _Invalid("no YAML front matter (the file must start with a '---' block)")
    try:
        meta = yaml.load(match.group(1), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise _Invalid(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise _Invalid("front matter must be a mapping of fields")
    missing = [field for field in _REQUIRED if field not in meta]
    if missing:
        raise _Invalid(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(meta) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise _Invalid(f"unknown field(s): {', '.join(map(str, unknown))}")
    sections = _sections(match.group(2))
    return Article(
        id=_article_id(meta["id"]),
        title=_text(meta, "title"),
        topic=_text(meta, "topic"),
        competence_area=_competence_area(meta["competence_area"]),
        questions=_questions(meta["questions"]),
        answer=sections[ANSWER_SECTION],
        easy=sections[EASY_SECTION],
        sms=_sms(meta["sms"]),
        related=_related(meta.get("related") or []),
        review_by=_review_by(meta["review_by"]),
        path=path,
    )


def _text(meta: dict[str, Any], field: str) -> str:
    value = meta[field]
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"{field} must be a non-empty text")
    return value.strip()


def _article_id(value: object) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise _Invalid(f"id {value!r} must be lower-case words joined by hyphens")
    return value


def _competence_area(value: object) -> str:
    # YAML reads an unquoted 4 as an int; accept it rather than punish the author.
    area = str(value) if isinstance(value, (str, int)) else ""
    if area not in COMPETENCE_AREAS:
        allowed = ", ".join(sorted(COMPETENCE_AREAS))
        raise _Invalid(f"competence_area {value!r} must be one of {allowed}")
    return area


def _questions(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(q, str) and q.strip() for q in value):
        raise _Invalid("questions must be a list of non-empty texts")
    if len(value) < MIN_QUESTIONS:
        raise _Invalid(f"questions has {len(value)} entries, at least {MIN_QUESTIONS} needed")
    return tuple(q.strip() for q in value)


def _sms(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("sms must be a non-empty text")
    sms = value.strip()
    try:
        length = gsm7_length(sms)
    except ValueError as exc:
        raise _Invalid(f"sms is not GSM-7: {exc}") from exc
    if length > MAX_SMS_LENGTH:
        raise _Invalid(f"sms is {length} GSM-7 characters long, at most {MAX_SMS_LENGTH}")
    return sms


def _related(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise _Invalid("related must be a list of article ids")
    return tuple(value)


def _review_by(value: object) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise _Invalid(f"review_by {value!r} must be a date like 2027-06-30") from None


def _sections(body: str) -> dict[str, str]:
    headings = list(_HEADING.finditer(body))
    if body[: headings[0].start() if headings else len(body)].strip():
        raise _Invalid(f"text before the first section; start with '## {ANSWER_SECTION}'")
    sections: dict[str, str] = {}
    for index, heading in enumerate(headings):
        name = heading.group(1)
        if name not in (ANSWER_SECTION, EASY_SECTION):
            raise _Invalid(f"unknown section '## {name}'")
        if name in sections:
            raise _Invalid(f"section '## {name}' appears twice")
        end = headings[index + 1].start() if index + 1 < len(headings) else len(body)
        sections[name] = body[heading.end() : end].strip()
    for name in (ANSWER_SECTION, EASY_SECTION):
        if not sections.get(name):
            raise _Invalid(f"section '## {name}' is missing or empty")
    return sections
