"""The organisers' figures: demand, outcomes, supply and the gap between them.

Every function takes the same ``Filters`` (date range and optional dimension filters) and
returns a ``Table``; suppression of small numbers happens when a table is shown or
exported (``helpdesk.analytics.tables``). Nothing here reads a personal datum: the
demand-event table holds none, and supply comes from the place registry.

This module is what the dashboard and the benchmark import. The queries live by
responsibility in ``source`` (filters and the counted demand of a range), ``demand``
(demand and outcomes), ``supply`` (supply and the gap view) and ``ticket_figures``.
"""

from __future__ import annotations

from helpdesk.analytics.demand import (
    demand_by,
    has_generated,
    outcomes_by_district,
    top_unanswered,
)
from helpdesk.analytics.source import (
    DEMAND_OUTCOMES,
    DIMENSION_LABELS,
    QUESTION_OUTCOMES,
    UNKNOWN_DISTRICT,
    Dimension,
    Filters,
)
from helpdesk.analytics.supply import (
    PRESSURE_FLAG,
    SERVICE_LABELS,
    DistrictSupply,
    gap_view,
    supply_by_district,
    supply_table,
    weekly_hours,
)
from helpdesk.analytics.ticket_figures import BERLIN, tickets_by_place

__all__ = [
    "BERLIN",
    "DEMAND_OUTCOMES",
    "DIMENSION_LABELS",
    "PRESSURE_FLAG",
    "QUESTION_OUTCOMES",
    "SERVICE_LABELS",
    "UNKNOWN_DISTRICT",
    "Dimension",
    "DistrictSupply",
    "Filters",
    "demand_by",
    "gap_view",
    "has_generated",
    "outcomes_by_district",
    "supply_by_district",
    "supply_table",
    "tickets_by_place",
    "top_unanswered",
    "weekly_hours",
]
