"""Generated demand looks like a real year: exact size, seasons, weekdays, marked generated."""

from __future__ import annotations

from collections import Counter

from helpdesk.analytics.demo import DemoSpec, generate


def test_the_demo_year_has_exactly_the_asked_size_and_is_marked() -> None:
    rows = list(generate(DemoSpec(events=5000, year=2025, seed=3)))
    assert len(rows) == 5000
    assert all(r["generated"] is True for r in rows)
    assert {str(r["month"])[:4] for r in rows} == {"2025"}


def test_the_same_seed_gives_the_same_figures() -> None:
    def figures(seed: int) -> Counter[tuple[object, ...]]:
        rows = generate(DemoSpec(events=2000, year=2025, seed=seed))
        return Counter((r["day"], r["stadtbezirk"], r["outcome"]) for r in rows)

    assert figures(7) == figures(7)
    assert figures(7) != figures(8)


def test_winter_and_weekdays_are_busier() -> None:
    rows = list(generate(DemoSpec(events=20000, year=2025)))
    months = Counter(str(r["month"]) for r in rows)
    assert months["2025-01"] > 1.5 * months["2025-08"]
    weekdays = Counter(r["day"].weekday() for r in rows)  # type: ignore[attr-defined]
    assert weekdays[1] > 2 * weekdays[6]
    districts = Counter(r["stadtbezirk"] for r in rows if r["stadtbezirk"])
    assert districts["Innenstadt-Nord"] > districts["Hombruch"]
