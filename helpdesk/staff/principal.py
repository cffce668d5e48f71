"""Who is signed in: the object every staff endpoint authorises against.

This module is the contract between staff authentication (``helpdesk.staff``) and the
features that use it (tickets, places admin, dashboards). It imports no web framework.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """Staff roles, from the help desk issue."""

    HELPER = "helper"  # works the tickets of their own places
    COORDINATOR = "coordinator"  # all places, assigns tickets
    ORGANISER = "organiser"  # dashboards only: never transcripts or contact data
    ADMIN = "admin"  # staff accounts and places (and every ticket)


TICKET_ROLES = frozenset({Role.HELPER, Role.COORDINATOR, Role.ADMIN})


@dataclass(frozen=True)
class StaffPrincipal:
    """A signed-in staff member."""

    id: int
    username: str
    display_name: str
    role: Role
    place_ids: frozenset[int]  # ``place.id`` values a helper belongs to

    @property
    def works_tickets(self) -> bool:
        """True for roles that may read transcripts and answer citizens."""
        return self.role in TICKET_ROLES

    @property
    def sees_all_places(self) -> bool:
        """Coordinators and admins see every place's queue; helpers only their own."""
        return self.role in (Role.COORDINATOR, Role.ADMIN)

    def may_see_place(self, place_id: int | None) -> bool:
        """Object-level check for one ticket's place (``None``: not yet routed)."""
        if not self.works_tickets:
            return False
        if self.sees_all_places:
            return True
        return place_id is not None and place_id in self.place_ids
