"""The staff UI fixtures (app on a real database, https client, movable clock)."""

from tests.integration.staff.conftest import Clock, client, clock, staff_settings

__all__ = ["Clock", "client", "clock", "staff_settings"]
