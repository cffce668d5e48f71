"""Small pure helpers of the staff web layer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk.staff.web import berlin_time, safe_next


def test_times_are_shown_in_dortmund_wall_clock_time() -> None:
    assert berlin_time(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)) == "15.01.2026 13:00"
    assert berlin_time(datetime(2026, 7, 15, 12, 0, 5, tzinfo=UTC), seconds=True) == (
        "15.07.2026 14:00:05"
    )
    assert berlin_time(None) == ""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/staff/tickets?state=neu", "/staff/tickets?state=neu"),
        (None, "/staff/"),
        ("https://evil.example/staff", "/staff/"),
        ("//evil.example/staff", "/staff/"),
        ("/staff\\@evil.example", "/staff/"),
        ("/staff/login?next=/staff/", "/staff/"),
        ("/other", "/staff/"),
    ],
)
def test_only_local_staff_paths_are_followed_after_login(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
