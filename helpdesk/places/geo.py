"""Dortmund's geography, offline: Stadtbezirke, Stadtteile, postcodes, neighbours, distances.

Pure Python (no framework). The facts live in ``data/geography.yml``; their sources and
the assumptions behind them are described in ``docs/places.md``.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data" / "geography.yml"
POSTCODE = re.compile(r"\b(44[1-3]\d\d)\b")
# Stadtteil names that are also ordinary German words match only when capitalised.
_COMMON_WORDS = frozenset({"Nette", "Rahm", "Kley"})
_FUZZY_CUTOFF = 0.84
_FUZZY_MIN_LENGTH = 5


@dataclass(frozen=True)
class District:
    """One of the 12 Stadtbezirke."""

    name: str
    lat: float
    lon: float
    stadtteile: tuple[str, ...]
    aliases: tuple[str, ...]
    neighbours: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """What a free text says about where the citizen is.

    ``ambiguous`` is true when the text names something that spans several Stadtbezirke
    ("Innenstadt", a postcode on a border): the bot should ask, offering ``candidates``.
    """

    stadtbezirk: str | None
    stadtteil: str | None = None
    postcode: str | None = None
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False
    matched: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class _Name:
    stadtbezirk: str
    stadtteil: str | None
    label: str
    method: str


class Geography:
    """Lookup tables built once from the YAML data."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.districts: dict[str, District] = {}
        self._ambiguous: dict[str, tuple[str, ...]] = {}
        self._names: dict[str, _Name] = {}
        self._case_sensitive: dict[str, _Name] = {}
        for name, info in data["stadtbezirke"].items():
            district = District(
                name=name,
                lat=float(info["centre"][0]),
                lon=float(info["centre"][1]),
                stadtteile=tuple(info["stadtteile"]),
                aliases=tuple(info["aliases"]),
                neighbours=tuple(info["neighbours"]),
            )
            self.districts[name] = district
            self._add(name, _Name(name, None, name, "stadtbezirk"))
            for alias in district.aliases:
                self._add(alias, _Name(name, None, alias, "alias"))
            for stadtteil in district.stadtteile:
                entry = _Name(name, stadtteil, stadtteil, "stadtteil")
                if stadtteil in _COMMON_WORDS:
                    self._case_sensitive[stadtteil] = entry
                else:
                    self._add(stadtteil, entry)
            for alias in info.get("ambiguous_aliases", []):
                self._ambiguous[normalize(alias)] = ("Innenstadt-West", "Innenstadt-Ost")
        self.postcodes: dict[str, tuple[str, tuple[str, ...]]] = {
            str(code): (entry["primary"], tuple(entry["secondary"]))
            for code, entry in data["postcodes"].items()
        }
        self._pattern = re.compile(
            r"\b(" + "|".join(sorted(map(re.escape, self._names), key=len, reverse=True)) + r")\b"
        )

    def _add(self, name: str, entry: _Name) -> None:
        for variant in _variants(name):
            self._names.setdefault(variant, entry)

    def neighbours(self, stadtbezirk: str) -> tuple[str, ...]:
        """The Stadtbezirke that share a border with ``stadtbezirk``."""
        return self.districts[stadtbezirk].neighbours

    def distance_km(self, a: str, b: str) -> float:
        """Distance between two district centres."""
        da, db = self.districts[a], self.districts[b]
        return haversine_km(da.lat, da.lon, db.lat, db.lon)

    def canonical(self, name: str) -> str | None:
        """The official spelling of a Stadtbezirk name, whatever the spelling given."""
        entry = self._names.get(normalize(name))
        if entry is not None and entry.stadtteil is None and entry.method == "stadtbezirk":
            return entry.stadtbezirk
        return None

    def resolve_postcode(self, postcode: str) -> Resolution:
        """Postcode → primary Stadtbezirk (+ the others it may reach)."""
        if postcode not in self.postcodes:
            return Resolution(None, postcode=postcode, method="postcode")
        primary, secondary = self.postcodes[postcode]
        return Resolution(
            primary,
            postcode=postcode,
            candidates=(primary, *secondary),
            ambiguous=bool(secondary),
            matched=postcode,
            method="postcode",
        )

    def resolve(self, text: str) -> Resolution:
        """Free text ("wohne in Barop", "44263", "Luetgendortmund") → Stadtbezirk."""
        code = POSTCODE.search(text)
        if code and code.group(1) in self.postcodes:
            return self.resolve_postcode(code.group(1))
        normalized = normalize(text)
        matches = [m.group(1) for m in self._pattern.finditer(normalized)]
        if matches:
            key = max(matches, key=len)
            if key in self._ambiguous:
                return Resolution(
                    "Innenstadt-West",
                    candidates=("Innenstadt-West", "Innenstadt-Nord", "Innenstadt-Ost"),
                    ambiguous=True,
                    matched=self._names[key].label,
                    method="alias",
                )
            return self._found(self._names[key], text)
        for word, entry in self._case_sensitive.items():
            if re.search(rf"\b{word}\b", text):
                return self._found(entry, text)
        return self._fuzzy(normalized, text)

    def _found(self, entry: _Name, text: str) -> Resolution:
        return Resolution(
            entry.stadtbezirk,
            stadtteil=entry.stadtteil,
            candidates=(entry.stadtbezirk,),
            matched=entry.label,
            method=entry.method,
        )

    def _fuzzy(self, normalized: str, text: str) -> Resolution:
        words = normalized.split()
        grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        keys = [key for key in self._names if len(key) >= _FUZZY_MIN_LENGTH]
        best: tuple[float, str] | None = None
        for gram in grams:
            if len(gram) < _FUZZY_MIN_LENGTH:
                continue
            # A typo rarely hits the first letter, but inside a sentence an everyday
            # word often looks like the end of a place name ("echten" ~ "Brechten").
            same_start = [key for key in keys if key[0] == gram[0]]
            for key in difflib.get_close_matches(gram, same_start, n=1, cutoff=_FUZZY_CUTOFF):
                score = difflib.SequenceMatcher(None, gram, key).ratio()
                if best is None or score > best[0]:
                    best = (score, key)
        if best is None:
            return Resolution(None)
        found = self._found(self._names[best[1]], text)
        return Resolution(
            found.stadtbezirk,
            stadtteil=found.stadtteil,
            candidates=found.candidates,
            matched=found.matched,
            method="fuzzy",
        )


def normalize(text: str) -> str:
    """Lower case, umlauts as ae/oe/ue, ß as ss, punctuation and hyphens as spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _variants(name: str) -> set[str]:
    """Spellings a citizen may use: "Hörde", "Hoerde", "Horde", "Innenstadt Nord", ..."""
    base = normalize(name)
    plain = normalize(
        unicodedata.normalize("NFKD", name.replace("ß", "ss")).encode("ascii", "ignore").decode()
    )
    variants = {base, plain, base.replace(" ", ""), plain.replace(" ", "")}
    return {variant for variant in variants if variant}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@lru_cache
def get_geography() -> Geography:
    """The shipped geography (loaded once)."""
    return Geography(yaml.safe_load(DATA.read_text(encoding="utf-8")))
