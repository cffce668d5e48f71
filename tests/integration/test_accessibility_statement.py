"""The accessibility statement (BITV NRW) at /barrierefreiheit, linked from chat and staff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.texts import text
from tests.keys import SETTINGS_KEYS

CONTACT = "barrierefrei@beispielstadt.example"


def _settings(tmp_path: Path, **statement: str) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'diodo.db'}",
        internal_api_token=SecretStr("t"),
        pseudonym_key=SecretStr("p"),
        **SETTINGS_KEYS,  # type: ignore[arg-type]
        rasa_url="http://127.0.0.1:9",
        knowledge_semantic=False,
        places_seed_example_data=False,
        rasa_tracker_url="",
        controller_name="Stadt Beispielstadt",
        **statement,
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = _settings(
        tmp_path,
        accessibility_contact=CONTACT,
        accessibility_statement_date="1. März 2027",
        accessibility_review_date="2. April 2027",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_statement_is_german_and_filled_from_settings(client: TestClient) -> None:
    response = client.get("/barrierefreiheit")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="de">' in page
    for expected in (
        "Erklärung zur Barrierefreiheit",
        "teilweise barrierefrei",
        "teilweise vereinbar",
        "Was ist noch nicht barrierefrei?",
        "1. März 2027",
        "2. April 2027",
        CONTACT,
        "Stadt Beispielstadt",
        "Ombudsstelle für barrierefreie Informationstechnik",
        "BITV NRW",
    ):
        assert expected in page, expected
    assert 'src="http' not in page and 'href="http' not in page


def test_unset_contact_and_dates_show_the_placeholder_for_the_city(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path))) as unset_client:
        page = unset_client.get("/barrierefreiheit").text
    placeholder = text("city_to_fill_in")
    assert placeholder == "Bitte von der Stadt einzutragen"
    for expected in (
        f"Geschrieben am: {placeholder}",
        f"Zuletzt geprüft am: {placeholder}",
        f"Kontakt: {placeholder}",
    ):
        assert expected in page, expected


@pytest.mark.parametrize("path", ["/", "/staff/login"])
def test_statement_is_linked_from_chat_and_staff_login(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert 'href="/barrierefreiheit"' in page.text
