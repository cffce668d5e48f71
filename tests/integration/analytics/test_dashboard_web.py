"""The organisers' dashboard over HTTP: roles, every view, exports equal to the page."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from helpdesk.analytics.demo import DemoSpec, insert_demo
from helpdesk.analytics.events import Demand, record
from helpdesk.analytics.models import Outcome
from helpdesk.db import Database
from helpdesk.staff.principal import Role
from tests.staff_support import create_staff, login

VIEWS = ("nachfrage", "ergebnisse", "unbeantwortet", "tickets", "angebot", "luecken")
RANGE = "von=2026-03-01&bis=2026-03-31"


def _organiser(client: TestClient, db: Database) -> None:
    _, password = create_staff(db, "orga", Role.ORGANISER)
    login(client, "orga", password)


def _seed(db: Database) -> None:
    at = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    with db.session() as session:
        for i in range(12):
            record(
                session, Demand("sms", Outcome.ANSWERED, "Eving", "fotos", "2"), ref=f"a{i}", at=at
            )
        for i in range(3):
            record(
                session, Demand("web", Outcome.UNANSWERED, "Eving", "waschen"), ref=f"u{i}", at=at
            )


def _table_cells(page: str) -> list[list[str]]:
    body = page.split('<table id="figures">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
    return [
        [html.unescape(c.strip()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
        for r in rows
    ]


def test_anonymous_is_sent_to_login_and_helpers_are_refused(
    client: TestClient, db: Database
) -> None:
    response = client.get("/staff/dashboard/luecken", follow_redirects=False)
    assert response.status_code == 303 and "/staff/login" in response.headers["location"]
    response = client.get("/staff/dashboard/luecken/export.csv", follow_redirects=False)
    assert response.status_code in (303, 401)
    _, password = create_staff(db, "helfer", Role.HELPER)
    login(client, "helfer", password)
    assert client.get("/staff/dashboard/luecken").status_code == 403
    assert client.get("/staff/dashboard/luecken/export.csv").status_code == 403


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_shows_a_table_and_a_chart(client: TestClient, db: Database, view: str) -> None:
    _seed(db)
    _organiser(client, db)
    page = client.get(f"/staff/dashboard/{view}?{RANGE}")
    assert page.status_code == 200
    assert (
        '<canvas id="chart"' in page.text and "/static/vendor/chart-4.6.1.umd.min.js" in page.text
    )
    assert _table_cells(page.text), "the table view is empty"
    spec = json.loads(
        html.unescape(page.text.split('id="chart-data">', 1)[1].split("</script>")[0])
    )
    if view == "tickets":  # no tickets in this fixture: the table says so
        assert spec["labels"] == [] and "Keine Daten im gewählten Zeitraum" in page.text
    else:
        assert spec["labels"]


def test_the_csv_and_xlsx_hold_the_figures_shown(client: TestClient, db: Database) -> None:
    _seed(db)
    _organiser(client, db)
    query = f"{RANGE}&stadtbezirk=Eving"
    shown = _table_cells(client.get(f"/staff/dashboard/luecken?{query}").text)
    assert [row[0] for row in shown] == ["Eving"]
    assert shown[0][2] == "15"  # 12 answered + 3 unanswered are all demand
    exported = client.get(f"/staff/dashboard/luecken/export.csv?{query}")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == shown[0]
    workbook = load_workbook(
        io.BytesIO(client.get(f"/staff/dashboard/luecken/export.xlsx?{query}").content)
    )
    sheet = workbook.active
    assert sheet is not None
    values = [
        str(v) if v is not None else ""
        for v in next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    ]
    assert values == shown[0]


def test_small_counts_never_reach_page_chart_or_export(client: TestClient, db: Database) -> None:
    _seed(db)
    _organiser(client, db)
    page = client.get(f"/staff/dashboard/unbeantwortet?{RANGE}").text
    assert ["waschen", "< 5"] in _table_cells(page)
    spec = json.loads(html.unescape(page.split('id="chart-data">', 1)[1].split("</script>")[0]))
    assert spec["datasets"][0]["data"] == [None]
    exported = client.get(f"/staff/dashboard/unbeantwortet/export.csv?{RANGE}").content.decode(
        "utf-8-sig"
    )
    assert "waschen;< 5" in exported and ";3" not in exported


def test_bad_filters_get_a_german_message(client: TestClient, db: Database) -> None:
    _organiser(client, db)
    response = client.get("/staff/dashboard/luecken?von=gestern")
    assert response.status_code == 400 and "kein Datum" in response.text
    response = client.get("/staff/dashboard/luecken?stadtbezirk=<script>")
    assert response.status_code == 400 and "<script>" not in response.text
    assert (
        client.get("/staff/dashboard/luecken/export.csv?von=2026-05-01&bis=2026-01-01").status_code
        == 400
    )
    assert client.get("/staff/dashboard/geheim").status_code == 404


def test_generated_data_is_announced(client: TestClient, db: Database) -> None:
    _organiser(client, db)
    assert "Beispieldaten" not in client.get(f"/staff/dashboard/luecken?{RANGE}").text
    with db.session() as session:
        insert_demo(session, DemoSpec(events=500, year=2026))
    assert "Beispieldaten" in client.get(f"/staff/dashboard/luecken?{RANGE}").text
    later = "von=2027-03-01&bis=2027-03-31"  # outside the generated year: no banner
    assert "Beispieldaten" not in client.get(f"/staff/dashboard/luecken?{later}").text
