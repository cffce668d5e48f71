"""A place as plain data, shared by CSV, routing and the database layer (pure Python)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from helpdesk.places.hours import Closure, Week


class Service(enum.StrEnum):
    """What a place offers."""

    WLAN = "wlan"
    PCS = "pcs"
    PRINTING = "printing"
    SCANNING = "scanning"
    DEVICE_LENDING = "device_lending"
    CONSULTATION_HOURS = "consultation_hours"
    COURSES = "courses"


class OperatorType(enum.StrEnum):
    """Kinds of operators the Masterplan names."""

    LIBRARY = "bibliothek"
    VHS = "vhs"
    COMMUNITY_CENTRE = "begegnungszentrum"
    SENIOR_OFFICE = "seniorenbuero"
    SENIOR_CLUB = "seniorenclub"
    YOUTH_CENTRE = "jugendfreizeitstaette"
    CULTURE_CENTRE = "kulturzentrum"
    MUSEUM = "museum"
    DISTRICT_FACILITY = "stadtteileinrichtung"
    OTHER = "sonstige"


class TargetGroup(enum.StrEnum):
    """Groups a place addresses in particular (a place with none is open to all)."""

    SENIORS = "senioren"
    YOUTH = "jugendliche"
    CHILDREN = "kinder"
    FAMILIES = "familien"
    MIGRANTS = "zugewanderte"
    DISABLED = "menschen_mit_behinderung"
    JOBSEEKERS = "arbeitsuchende"
    WOMEN = "frauen"


class Accessibility(enum.StrEnum):
    """Barrierefrei: yes, no, partly."""

    YES = "ja"
    NO = "nein"
    PARTLY = "teilweise"


@dataclass(frozen=True)
class PlaceRecord:
    """One Interneterfahrungsort, validated. ``key`` identifies it across imports."""

    key: str
    name: str
    operator_type: OperatorType
    street: str
    postcode: str
    stadtbezirk: str
    stadtteil: str
    latitude: float | None
    longitude: float | None
    stufe: int
    services: frozenset[Service]
    target_groups: frozenset[TargetGroup]
    accessibility: Accessibility
    accessibility_notes: str
    languages: tuple[str, ...]
    phone: str
    email: str
    opening_hours: Week
    consultation_hours: Week
    closures: tuple[Closure, ...]
    is_example_data: bool
