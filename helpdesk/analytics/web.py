"""The organisers' dashboard: demand against supply, every chart with its table and exports.

Organisers, coordinators and admins may open it. It reads only demand events and the
place registry: no route here can reach a transcript, a ticket or a contact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from helpdesk.analytics.export import to_csv, to_xlsx
from helpdesk.analytics.models import OUTCOMES
from helpdesk.analytics.queries import (
    DIMENSION_LABELS,
    Dimension,
    Filters,
    demand_by,
    gap_view,
    has_generated,
    outcomes_by_district,
    supply_table,
    tickets_by_place,
    top_unanswered,
)
from helpdesk.analytics.tables import Table
from helpdesk.db import Database
from helpdesk.places.geo import get_geography
from helpdesk.staff.deps import render_staff, require_roles
from helpdesk.staff.principal import Role, StaffPrincipal

router = APIRouter(prefix="/staff/dashboard", tags=["dashboard"], include_in_schema=False)

Organiser = Annotated[
    StaffPrincipal, Depends(require_roles(Role.ORGANISER, Role.COORDINATOR, Role.ADMIN))
]

OUTCOME_LABELS = {
    "answered": "beantwortet",
    "clarified": "Rückfrage",
    "routed": "Ort empfohlen",
    "handed_off": "an Menschen übergeben",
    "unanswered": "ohne Antwort",
    "helpful": "hat geholfen",
    "not_helpful": "hat nicht geholfen",
}
CHANNEL_LABELS = {"web": "Web-Chat", "telegram": "Telegram", "sms": "SMS"}
MAX_RANGE_DAYS = 3 * 366


class FilterError(ValueError):
    """A filter value the form cannot use (message in German)."""


@dataclass(frozen=True)
class View:
    """One dashboard page."""

    slug: str
    title: str
    intro: str


VIEWS = {
    v.slug: v
    for v in (
        View("nachfrage", "Nachfrage", "Anfragen pro Monat, aufgeteilt nach einem Merkmal."),
        View(
            "ergebnisse",
            "Ergebnisse",
            "Wie oft der Assistent selbst geholfen hat und wie oft ein Mensch nötig war.",
        ),
        View(
            "unbeantwortet",
            "Ohne Antwort",
            "Themen, zu denen der Assistent keine passende Antwort hatte.",
        ),
        View(
            "tickets",
            "Tickets",
            "Tickets je Ort: wie schnell die erste Antwort kam und wann sie gelöst wurden.",
        ),
        View("angebot", "Angebot", "Orte je Stadtbezirk nach Stufe, betreute Stunden, Angebote."),
        View(
            "luecken",
            "Lücken",
            "Nachfrage je 1.000 Einwohner gegen betreute Stunden je 1.000 Einwohner. "
            "Unterversorgte Bezirke und fehlende Stufen sind markiert.",
        ),
    )
}


def parse_filters(params: dict[str, str], today: date) -> tuple[Filters, Dimension]:
    """Read the filter form (German parameter names); defaults: the last 12 months."""

    def day(name: str, default: date) -> date:
        raw = params.get(name, "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise FilterError(f"„{raw}“ ist kein Datum wie 2026-01-31.") from exc

    end = day("bis", today)
    start = day("von", end - timedelta(days=364))
    if start > end:
        raise FilterError("Das Start-Datum liegt nach dem End-Datum.")
    if (end - start).days > MAX_RANGE_DAYS:
        raise FilterError("Bitte wählen Sie höchstens drei Jahre.")

    def choice(name: str, allowed: set[str] | None) -> str | None:
        value = params.get(name, "").strip()
        if not value:
            return None
        if allowed is not None and value not in allowed:
            raise FilterError(f"Unbekannter Wert für {name}.")
        if len(value) > 64:
            raise FilterError(f"Unbekannter Wert für {name}.")
        return value

    by = choice("nach", {d.value for d in Dimension}) or Dimension.STADTBEZIRK.value
    filters = Filters(
        start=start,
        end=end,
        stadtbezirk=choice("stadtbezirk", set(get_geography().districts)),
        topic=choice("thema", None),
        competence_area=choice("bereich", {"1", "2", "3", "4", "5", "6", "lokal"}),
        channel=choice("kanal", set(CHANNEL_LABELS)),
        outcome=choice("ergebnis", set(OUTCOMES)),
    )
    return filters, Dimension(by)


def build_table(session: Session, view: str, filters: Filters, by: Dimension) -> Table:
    """The table behind one view."""
    if view == "nachfrage":
        return demand_by(session, filters, by)
    if view == "ergebnisse":
        return outcomes_by_district(session, filters)
    if view == "unbeantwortet":
        return top_unanswered(session, filters, limit=20)
    if view == "angebot":
        return supply_table(session)
    if view == "tickets":
        return tickets_by_place(session, filters)
    return gap_view(session, filters)


def chart_spec(view: str, table: Table) -> dict[str, Any]:
    """What the chart draws: only values the table shows (suppressed ones are gaps)."""
    rows = table.rows
    if view == "nachfrage":
        months = [c for c in table.columns if c.key.startswith("m")]
        return {
            "type": "line",
            "labels": [c.label for c in months],
            "datasets": [
                {"label": str(r["key"]), "data": [table.chart_value(r, c.key) for c in months]}
                for r in rows[:8]
            ],
        }
    if view == "ergebnisse":
        rows = [r for r in rows if r["district"] != "Dortmund gesamt"]
        return {
            "type": "bar",
            "percent": True,
            "labels": [str(r["district"]) for r in rows],
            "datasets": [
                {
                    "label": "Lösungsquote",
                    "data": [_pct(table, r, "resolution_rate") for r in rows],
                },
                {"label": "Übergabequote", "data": [_pct(table, r, "handoff_rate") for r in rows]},
            ],
        }
    if view == "unbeantwortet":
        return {
            "type": "bar",
            "horizontal": True,
            "labels": [str(r["topic"]) for r in rows],
            "datasets": [
                {
                    "label": "Anfragen ohne Antwort",
                    "data": [table.chart_value(r, "n") for r in rows],
                }
            ],
        }
    if view == "tickets":
        return {
            "type": "bar",
            "horizontal": True,
            "labels": [str(r["place"]) for r in rows[:15]],
            "datasets": [
                {"label": "Tickets", "data": [table.chart_value(r, "n") for r in rows[:15]]}
            ],
        }
    if view == "angebot":
        return {
            "type": "bar",
            "stacked": True,
            "labels": [str(r["district"]) for r in rows],
            "datasets": [
                {"label": f"Stufe {lv}", "data": [table.chart_value(r, f"stufe{lv}") for r in rows]}
                for lv in range(1, 5)
            ],
        }
    return {
        "type": "bar",
        "labels": [str(r["district"]) for r in rows],
        "datasets": [
            {
                "label": "Anfragen je 1.000 Einw.",
                "data": [table.chart_value(r, "demand_per_1000") for r in rows],
            },
            {
                "label": "Betreute Std./Woche je 10.000 Einw.",
                "data": [_times(table.chart_value(r, "hours_per_1000"), 10) for r in rows],
            },
        ],
    }


def _pct(table: Table, row: dict[str, object], key: str) -> float | None:
    value = table.chart_value(row, key)
    return None if value is None else round(value * 100, 1)


def _times(value: float | None, factor: float) -> float | None:
    return None if value is None else round(value * factor, 3)


def _query(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if isinstance(v, str)}


def _load(
    db: Database, view: str, params: dict[str, str]
) -> tuple[Table | None, Filters | None, Dimension, bool, str]:
    try:
        filters, by = parse_filters(params, date.today())
    except FilterError as error:
        return None, None, Dimension.STADTBEZIRK, False, str(error)
    with db.read_session() as session:
        table = build_table(session, view, filters, by)
        generated = has_generated(session, filters)
    return table, filters, by, generated, ""


@router.get("", response_class=HTMLResponse)
async def overview(request: Request, principal: Organiser) -> Response:
    """Start page: the views and the current filter."""
    return await view_page(request, principal, "luecken")


@router.get("/{view}", response_class=HTMLResponse)
async def view_page(request: Request, principal: Organiser, view: str) -> Response:
    """One view: filter form, chart, table, export links."""
    if view not in VIEWS:
        return render_staff(request, principal, "staff/dashboard/missing.html", status_code=404)
    params = _query(request)
    table, filters, by, generated, error = await run_in_threadpool(
        _load, request.app.state.db, view, params
    )
    context: dict[str, Any] = {
        "views": VIEWS.values(),
        "view": VIEWS[view],
        "params": params,
        "error": error,
        "table": table,
        "rows": table.display_rows() if table else [],
        "chart_json": _script_json(chart_spec(view, table)) if table else "",
        "generated": generated,
        "filters": filters,
        "by": by,
        "dimensions": DIMENSION_LABELS,
        "districts": sorted(get_geography().districts),
        "outcomes": OUTCOME_LABELS,
        "channels": CHANNEL_LABELS,
        "export_query": urlencode(params),
    }
    return render_staff(
        request, principal, "staff/dashboard/view.html", context, status_code=400 if error else 200
    )


@router.get("/{view}/export.{fmt}")
async def export(request: Request, principal: Organiser, view: str, fmt: str) -> Response:
    """The view's table as CSV or XLSX: the same figures the page shows."""
    if view not in VIEWS or fmt not in ("csv", "xlsx"):
        return Response("Nicht gefunden.", status_code=404, media_type="text/plain")
    table, filters, _, _, error = await run_in_threadpool(
        _load, request.app.state.db, view, _query(request)
    )
    if table is None or filters is None:
        return Response(error, status_code=400, media_type="text/plain; charset=utf-8")
    name = f"diodo-{view}-{filters.start.isoformat()}-{filters.end.isoformat()}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if fmt == "csv":
        body = ("\ufeff" + to_csv(table)).encode("utf-8")
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    return Response(
        to_xlsx(table),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=headers,
    )


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element (no "</script>" can appear)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
