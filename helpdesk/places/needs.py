"""A citizen's need → minimum Stufe, services, target group, accessibility (pure Python)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from helpdesk.places.geo import normalize
from helpdesk.places.record import OperatorType, Service, TargetGroup

DATA = Path(__file__).resolve().parent / "data" / "needs.yml"
_AGE = re.compile(r"\bbin (\d{2,3})\b")
SENIOR_AGE = 60


class UnknownNeed(ValueError):
    """A need key that is not in the catalogue."""


@dataclass(frozen=True)
class Need:
    """What the places must offer (hard) and whom the citizen belongs to (soft)."""

    min_stufe: int = 1
    services: frozenset[Service] = field(default_factory=frozenset)
    staffed: bool = True
    target_group: TargetGroup | None = None
    wheelchair: bool = False
    language: str | None = None
    keys: tuple[str, ...] = ()
    # The kinds of place asked for by name ("Bücherei"); empty: any kind.
    operator_types: frozenset[OperatorType] = field(default_factory=frozenset)


@dataclass(frozen=True)
class _Entry:
    min_stufe: int
    services: frozenset[Service]
    staffed: bool
    pattern: re.Pattern[str]
    operator_types: frozenset[OperatorType] = frozenset()


class NeedCatalogue:
    """The needs of ``data/needs.yml`` and the keywords that reveal them."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.entries = {
            key: _Entry(
                min_stufe=int(entry["min_stufe"]),
                services=frozenset(Service(s) for s in entry["services"]),
                staffed=bool(entry["staffed"]),
                pattern=_prefix_pattern(entry["keywords"]),
                operator_types=frozenset(
                    OperatorType(kind) for kind in entry.get("operator_types", [])
                ),
            )
            for key, entry in data["needs"].items()
        }
        self._wheelchair = _prefix_pattern(data["wheelchair_keywords"])
        self._groups = {
            TargetGroup(group): _prefix_pattern(words)
            for group, words in data["target_groups"].items()
        }
        self._languages = {
            str(code): _prefix_pattern(words) for code, words in data["languages"].items()
        }

    def build(
        self,
        keys: list[str] | tuple[str, ...] = (),
        *,
        text: str = "",
        wheelchair: bool = False,
        language: str | None = None,
        target_group: TargetGroup | None = None,
    ) -> Need:
        """Combine named needs and what ``text`` reveals into one ``Need``.

        The strictest need wins (highest Stufe); services add up. Without any need the
        citizen gets Stufe 1 with a person to ask.
        """
        unknown = [key for key in keys if key not in self.entries]
        if unknown:
            raise UnknownNeed(unknown[0])
        normalized = normalize(text)
        found = list(dict.fromkeys([*keys, *self._keys_in(normalized)]))
        entries = [self.entries[key] for key in found]
        return Need(
            min_stufe=max((e.min_stufe for e in entries), default=1),
            services=frozenset().union(*(e.services for e in entries)),
            staffed=any(e.staffed for e in entries) or not entries,
            target_group=target_group or self._group_in(normalized),
            wheelchair=wheelchair or bool(self._wheelchair.search(normalized)),
            language=language or self._language_in(normalized),
            keys=tuple(found),
            operator_types=frozenset().union(*(e.operator_types for e in entries)),
        )

    def _keys_in(self, normalized: str) -> list[str]:
        if not normalized:
            return []
        return [key for key, entry in self.entries.items() if entry.pattern.search(normalized)]

    def _group_in(self, normalized: str) -> TargetGroup | None:
        age = _AGE.search(normalized)
        if age and int(age.group(1)) >= SENIOR_AGE:
            return TargetGroup.SENIORS
        for group, pattern in self._groups.items():
            if pattern.search(normalized):
                return group
        return None

    def _language_in(self, normalized: str) -> str | None:
        for code, pattern in self._languages.items():
            if pattern.search(normalized):
                return code
        return None


def _prefix_pattern(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(normalize(word)) for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"\b(?:{alternatives})")


@lru_cache
def get_needs() -> NeedCatalogue:
    """The shipped need catalogue (loaded once)."""
    return NeedCatalogue(yaml.safe_load(DATA.read_text(encoding="utf-8")))
