"""Judging one bot turn against the expectations of the held-out dialogue set.

`bench/dialogues.py` plays each dialogue of ``tests/heldout/dialogues.yml`` through the
real processes and hands every turn's replies (what the citizen saw) and the tickets of
the conversation to `judge`. Articles, places and the fixed texts are recognised from
the same sources the bot uses: the article files, the place registry, the domain
responses. A turn passes when every key of its ``expect`` mapping holds.
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpdesk.channels.render import article_text, plain_text  # noqa: E402
from knowledge import default_articles_dir  # noqa: E402
from knowledge.articles import Article, is_article_file, load_article  # noqa: E402

DIALOGUES = ROOT / "tests" / "heldout" / "dialogues.yml"
PLACES_CSV = ROOT / "helpdesk" / "places" / "data" / "places_example.csv"
SNIPPET = 60  # characters of an article's rendered text that identify it

_HOURS = re.compile(
    r"\b(Mo|Di|Mi|Do|Fr|Sa|So|montags?|dienstags?|mittwochs?|donnerstags?|freitags?|"
    r"samstags?|sonntags?|heute|morgen)\b.{0,40}\d{1,2}([:.]\d{2})?\s*(–|-|bis)\s*\d{1,2}",
    re.IGNORECASE,
)
ASKS = {
    "district": re.compile(r"Stadtbezirk|Stadtteil|Postleitzahl|wo wohnen Sie", re.I),
    "consent": re.compile(r"einverstanden", re.I),
    # Web: "Unter welcher Telefonnummer ...?"; SMS: "Wann können wir Sie anrufen?"
    "callback": re.compile(r"Telefonnummer|können wir Sie anrufen", re.I),
}


@dataclass(frozen=True)
class PlaceInfo:
    """What the judge needs of a place: how it is named, where it is, what it offers."""

    key: str
    names: tuple[str, ...]
    stadtbezirk: str
    stufe: int
    services: frozenset[str]


@dataclass(frozen=True)
class Turn:
    """One turn as the citizen experienced it."""

    texts: tuple[str, ...]
    tickets: tuple[str, ...]  # priorities of the conversation's tickets after the turn
    sms_count: int = 0
    sms_segments: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class Judge:
    """Knows the articles, places and fixed texts; checks turns."""

    channel: str
    articles: dict[str, Article] = field(default_factory=dict)
    places: list[PlaceInfo] = field(default_factory=list)
    responses: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, channel: str) -> Judge:
        directory = default_articles_dir()
        articles = {}
        for path in sorted(directory.iterdir()):
            if is_article_file(path.name):
                article = load_article(path)
                articles[article.id] = article
        return cls(channel, articles, load_places(), load_responses())

    def _shown(self, article: Article, form: str) -> str:
        payload = {"text": article.easy if form == "easy" else article.answer, "sms": article.sms}
        if form == "easy":
            payload["form"] = "easy"
        return _squash(plain_text(article_text(payload, self.channel)))

    def shows_article(self, turn: Turn, article_id: str, form: str = "full") -> bool:
        article = self.articles.get(article_id)
        if article is None:
            return False
        snippet = self._shown(article, form)[:SNIPPET]
        return bool(snippet) and snippet in _squash(plain_text(turn.text))

    def any_article(self, turn: Turn) -> str | None:
        return next((a for a in self.articles if self.shows_article(turn, a)), None)

    def places_named(self, turn: Turn) -> list[PlaceInfo]:
        text = turn.text
        found = []
        for place in self.places:
            positions = [text.find(name) for name in place.names if name in text]
            if positions:
                found.append((min(positions), place))
        return [place for _, place in sorted(found, key=lambda item: item[0])]

    def says_response(self, turn: Turn, response: str) -> bool:
        variants = self.responses.get(response, [])
        text = _squash(plain_text(turn.text))
        return any(_squash(plain_text(v))[:40] in text for v in variants if v)

    def failures(self, turn: Turn, expect: dict[str, Any]) -> list[str]:
        """Why the turn does not meet ``expect`` (empty: it passes)."""
        problems: list[str] = []
        for key, value in expect.items():
            problem = self._check(turn, key, value)
            if problem:
                problems.append(problem)
        return problems

    def _check(self, turn: Turn, key: str, value: Any) -> str | None:
        if key == "any":
            return None
        if key == "article":
            ok = self.shows_article(turn, value)
            return None if ok else f"article {value} not shown (got {self.any_article(turn)})"
        if key == "article_any":
            ok = any(self.shows_article(turn, a) for a in value)
            return None if ok else f"none of {value} shown (got {self.any_article(turn)})"
        if key == "easy":
            ok = self.shows_article(turn, value, "easy")
            return None if ok else f"Leichte Sprache of {value} not shown"
        if key == "places":
            return self._check_places(turn, value)
        if key == "hours":  # from the places shown before, not from some article
            shown = self.any_article(turn)
            if shown:
                return f"answered with article {shown} instead of the hours"
            return None if _HOURS.search(turn.text) else "no opening/consultation hours"
        if key == "says":
            words = [str(w).lower() for w in value]
            ok = any(w in turn.text.lower() for w in words)
            return None if ok else f"none of {words} said"
        if key == "asks":
            pattern = ASKS.get(str(value))
            ok = pattern is not None and pattern.search(turn.text) is not None
            return None if ok else f"did not ask for {value}"
        if key == "urgent":
            ok = self.says_response(turn, f"utter_handoff_intro_urgent_{value}")
            return None if ok else f"no first-aid text for {value}"
        if key == "ticket":
            ok = str(value) in turn.tickets
            return None if ok else f"no {value} ticket (tickets: {list(turn.tickets)})"
        if key == "unknown":
            shown = self.any_article(turn)
            ok = shown is None and "weiß ich leider nicht" in turn.text.lower()
            return None if ok else f"not 'weiß ich nicht' (article {shown})"
        return f"unknown expectation {key!r}"

    def _check_places(self, turn: Turn, want: dict[str, Any]) -> str | None:
        named = self.places_named(turn)
        if not named:
            return "no places listed"
        first = named[0]
        district = want.get("district")
        if district and first.stadtbezirk != district:
            return f"first place in {first.stadtbezirk}, not {district}"
        service = want.get("service")
        if service and not all(service in p.services for p in named):
            return f"a listed place lacks {service}"
        stufe = int(want.get("stufe_min") or 0)
        if stufe and first.stufe < stufe:
            return f"first place is Stufe {first.stufe} < {stufe}"
        return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def load_places() -> list[PlaceInfo]:
    lines = [
        line
        for line in PLACES_CSV.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    places = []
    for row in csv.DictReader(lines):
        name = row["name"]
        names = {name, name.replace(" (Beispiel)", "")}
        places.append(
            PlaceInfo(
                key=row["key"],
                names=tuple(sorted(names, key=len, reverse=True)),
                stadtbezirk=row["stadtbezirk"],
                stufe=int(row["stufe"] or 0),
                services=frozenset(s.strip() for s in row["services"].split(";") if s.strip()),
            )
        )
    return places


def load_responses() -> dict[str, list[str]]:
    responses: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            responses[name] = [str(v.get("text", "")) for v in variants]
    return responses


def load_dialogues(path: Path = DIALOGUES) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["dialogues"])
