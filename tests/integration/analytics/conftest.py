"""The staff app client (https, real login) from the staff tests."""

from tests.integration.staff.conftest import Clock, client, clock, staff_settings

__all__ = ["Clock", "client", "clock", "staff_settings"]
