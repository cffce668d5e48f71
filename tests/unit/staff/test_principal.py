"""Object-level place check of the principal contract."""

from __future__ import annotations

import pytest

from helpdesk.staff.principal import Role, StaffPrincipal


def _principal(role: Role, places: set[int]) -> StaffPrincipal:
    return StaffPrincipal(1, "x", "X", role, frozenset(places))


@pytest.mark.parametrize(
    ("role", "place_id", "allowed"),
    [
        (Role.HELPER, 1, True),
        (Role.HELPER, 2, False),
        (Role.HELPER, None, False),
        (Role.COORDINATOR, 2, True),
        (Role.COORDINATOR, None, True),
        (Role.ADMIN, 2, True),
        (Role.ORGANISER, 1, False),
    ],
)
def test_may_see_place(role: Role, place_id: int | None, allowed: bool) -> None:
    assert _principal(role, {1}).may_see_place(place_id) is allowed
