"""Routing: rank places for a need and a Stadtbezirk, and say why each fits (pure Python).

Order: hard filters (Stufe, services, wheelchair, language) → fit (the place does not
address only other groups; places only for young people count as not fitting when the
citizen's group is unknown) → same Stadtbezirk → neighbour → elsewhere by distance →
target group named by the citizen → open or staffed soonest → distance → name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from helpdesk.places.geo import Geography, haversine_km
from helpdesk.places.hours import Calendar, Slot, Week, holiday, is_closed
from helpdesk.places.needs import Need
from helpdesk.places.reasons import has_phrase, phrase, slot_phrase, sms_form
from helpdesk.places.record import Accessibility, PlaceRecord, Service, TargetGroup

BERLIN = ZoneInfo("Europe/Berlin")
_SERVICE_ORDER = tuple(Service)
_FAR = 10**7
# Places only for young people do not fit a citizen whose group is unknown (most are adults).
_AGE_BOUND = frozenset({TargetGroup.YOUTH, TargetGroup.CHILDREN})
_TIERS = {"district": 0, "neighbour": 1, "elsewhere": 2, "unknown": 0}


@dataclass(frozen=True)
class RoutedPlace:
    """One ranked place with the German reasons it fits and its SMS form."""

    place: PlaceRecord
    rank: int
    tier: str  # "district", "neighbour", "elsewhere", "unknown"
    distance_km: float | None
    slot: Slot | None
    reasons: tuple[str, ...]
    sms: str


@dataclass(frozen=True)
class RouteResult:
    """A page of ranked places; ``notice`` explains when none is in the citizen's district."""

    places: tuple[RoutedPlace, ...]
    total: int
    offset: int
    notice: str | None


def route(
    places: list[PlaceRecord],
    need: Need,
    stadtbezirk: str | None,
    geography: Geography,
    now: datetime,
    *,
    limit: int = 3,
    offset: int = 0,
) -> RouteResult:
    """Rank ``places`` for ``need`` seen from ``stadtbezirk`` at ``now`` (timezone-aware)."""
    local_now = now.astimezone(BERLIN)
    calendar = Calendar(local_now)
    neighbours = set(geography.neighbours(stadtbezirk)) if stadtbezirk else set()
    centre_km = (
        {name: geography.distance_km(stadtbezirk, name) for name in geography.districts}
        if stadtbezirk
        else {}
    )
    # Rank in two passes: the cheap part of the key for every qualifying place, then
    # opening times and exact distances only for the groups that reach the page.
    rough: list[tuple[tuple[int, int, float, int], PlaceRecord, str]] = []
    wanted = need.target_group
    for place in places:
        if not _qualifies(place, need):
            continue
        if stadtbezirk is None:
            tier = "unknown"
        elif place.stadtbezirk == stadtbezirk:
            tier = "district"
        else:
            tier = "neighbour" if place.stadtbezirk in neighbours else "elsewhere"
        targets = place.target_groups
        misfit = 0
        if targets and wanted not in targets and (wanted is not None or targets <= _AGE_BOUND):
            misfit = 1
        far = centre_km[place.stadtbezirk] if tier == "elsewhere" else 0.0
        bonus = 0 if wanted is not None and wanted in targets else 1
        rough.append(((misfit, _TIERS[tier], far, bonus), place, tier))
    if need.operator_types and stadtbezirk and not any(t != "elsewhere" for *_, t in rough):
        # A kind of place named in passing ("bei der VHS gibt es Kurse ... gibt es das
        # auch in Hörde?"): none of that kind nearby, so the nearest that fit otherwise.
        return route(
            places,
            replace(need, operator_types=frozenset()),
            stadtbezirk,
            geography,
            now,
            limit=limit,
            offset=offset,
        )
    rough.sort(key=lambda item: item[0])
    ranked: list[_Candidate] = []
    start = 0
    while start < len(rough) and len(ranked) < offset + limit:
        end = start
        while end < len(rough) and rough[end][0] == rough[start][0]:
            end += 1
        candidates = [
            _candidate(prefix, place, tier, need, stadtbezirk, geography, calendar)
            for prefix, place, tier in rough[start:end]
        ]
        ranked.extend(sorted(candidates, key=lambda candidate: candidate.key))
        start = end
    routed = tuple(
        _routed(c.place, offset + index + 1, c.tier, c.km, c.slot, need, local_now)
        for index, c in enumerate(ranked[offset : offset + limit])
    )
    has_district = any(tier == "district" for _prefix, _place, tier in rough)
    return RouteResult(routed, len(rough), offset, _notice(ranked, stadtbezirk, has_district))


@dataclass(frozen=True)
class _Candidate:
    key: tuple[int, int, float, int, int, float, str]
    place: PlaceRecord
    tier: str
    km: float | None
    slot: Slot | None


def _candidate(
    prefix: tuple[int, int, float, int],
    place: PlaceRecord,
    tier: str,
    need: Need,
    stadtbezirk: str | None,
    geography: Geography,
    calendar: Calendar,
) -> _Candidate:
    km = _distance(place, stadtbezirk, geography)
    slot = calendar.next_slot(_week(place, need), place.closures)
    minutes = slot.starts_in_minutes if slot else _FAR
    return _Candidate((*prefix, minutes, km or 0.0, place.name), place, tier, km, slot)


def _qualifies(place: PlaceRecord, need: Need) -> bool:
    return (
        place.stufe >= need.min_stufe
        and need.services <= place.services
        and (not need.operator_types or place.operator_type in need.operator_types)
        and (not need.wheelchair or place.accessibility is Accessibility.YES)
        and (need.language is None or need.language in place.languages)
    )


def _distance(place: PlaceRecord, stadtbezirk: str | None, geography: Geography) -> float | None:
    if stadtbezirk is None:
        return None
    centre = geography.districts[stadtbezirk]
    if place.latitude is not None and place.longitude is not None:
        return haversine_km(centre.lat, centre.lon, place.latitude, place.longitude)
    return geography.distance_km(stadtbezirk, place.stadtbezirk)


def _week(place: PlaceRecord, need: Need) -> Week:
    if need.staffed and any(place.consultation_hours):
        return place.consultation_hours
    return place.opening_hours if any(place.opening_hours) else place.consultation_hours


def _uses_consultation(place: PlaceRecord, need: Need) -> bool:
    return _week(place, need) is place.consultation_hours


def _routed(
    place: PlaceRecord,
    rank: int,
    tier: str,
    km: float | None,
    slot: Slot | None,
    need: Need,
    local_now: datetime,
) -> RoutedPlace:
    reasons = _reasons(place, tier, km, slot, need, local_now)
    address = ", ".join(part for part in (place.street, place.postcode) if part)
    return RoutedPlace(
        place=place,
        rank=rank,
        tier=tier,
        distance_km=None if km is None else round(km, 1),
        slot=slot,
        reasons=tuple(reasons),
        sms=sms_form(place.name, address, reasons),
    )


def _reasons(
    place: PlaceRecord,
    tier: str,
    km: float | None,
    slot: Slot | None,
    need: Need,
    local_now: datetime,
) -> list[str]:
    today = local_now.date()
    reasons = []
    if tier == "district":
        reasons.append(phrase("in_district", bezirk=place.stadtbezirk))
    elif tier == "neighbour":
        reasons.append(phrase("in_neighbour", bezirk=place.stadtbezirk))
    elif tier == "elsewhere":
        reasons.append(phrase("in_other", bezirk=place.stadtbezirk, km=round(km or 0)))
    holiday_name = holiday(today)
    if holiday_name and not (slot and slot.day == today):
        reasons.append(phrase("holiday_today", holiday=holiday_name))
    elif is_closed(today, place.closures):
        reasons.append(phrase("closed_today"))
    reasons.append(slot_phrase(slot, today, staffed=_uses_consultation(place, need)))
    if place.accessibility is Accessibility.YES:
        reasons.append(phrase("accessible"))
    elif place.accessibility is Accessibility.PARTLY:
        reasons.append(phrase("partly_accessible"))
    for service in _SERVICE_ORDER:
        if service in need.services and has_phrase(f"service.{service}"):
            reasons.append(phrase(f"service.{service}"))
    if need.language and need.language != "de" and has_phrase(f"language.{need.language}"):
        reasons.append(phrase("language", language=phrase(f"language.{need.language}")))
    if need.target_group and need.target_group in place.target_groups:
        reasons.append(phrase("target_group", group=phrase(f"group.{need.target_group}")))
    return reasons


def _notice(ranked: list[_Candidate], stadtbezirk: str | None, has_district: bool) -> str | None:
    if not ranked:
        return phrase("notice.none")
    if stadtbezirk is None or has_district:
        return None
    best = ranked[0]
    key = "notice.neighbour" if best.tier == "neighbour" else "notice.elsewhere"
    return phrase(key, bezirk=stadtbezirk, other=best.place.stadtbezirk)
