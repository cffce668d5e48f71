"""Inhabitants per Stadtbezirk, shipped as editable data with its source and year."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from helpdesk.places.geo import get_geography

DATA = Path(__file__).resolve().parent / "data" / "population.yml"


@dataclass(frozen=True)
class Population:
    """Inhabitants per Stadtbezirk and where the figures come from."""

    inhabitants: dict[str, int]
    source: str
    year: int
    approximate: bool

    @property
    def total(self) -> int:
        """All of Dortmund."""
        return sum(self.inhabitants.values())


def load_population(path: Path = DATA) -> Population:
    """Read and check the file: every Stadtbezirk exactly once, positive figures."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    inhabitants = {str(k): int(v) for k, v in data["inhabitants"].items()}
    districts = set(get_geography().districts)
    if set(inhabitants) != districts:
        missing = sorted(districts - set(inhabitants))
        extra = sorted(set(inhabitants) - districts)
        raise ValueError(f"population data: missing {missing}, unknown {extra}")
    if any(v <= 0 for v in inhabitants.values()):
        raise ValueError("population data: every figure must be positive")
    return Population(
        inhabitants=inhabitants,
        source=str(data["source"]),
        year=int(data["year"]),
        approximate=bool(data.get("approximate", False)),
    )


@lru_cache(maxsize=1)
def get_population() -> Population:
    """The shipped figures (cached)."""
    return load_population()
