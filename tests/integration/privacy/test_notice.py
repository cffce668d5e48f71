"""The privacy notice on the chat page and the full Art. 13 text at /datenschutz."""

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


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'diodo.db'}",
        internal_api_token=SecretStr("t"),
        pseudonym_key=SecretStr("p"),
        **SETTINGS_KEYS,  # type: ignore[arg-type]
        rasa_url="http://127.0.0.1:9",
        knowledge_semantic=False,
        rasa_tracker_url="",
        retention_days=45,
        controller_name="Stadt Beispielstadt, Amt 99",
        dpo_contact="datenschutz@beispielstadt.example",
        public_url="https://diodo.example.org",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_chat_page_shows_the_short_notice_with_retention_and_link(client: TestClient) -> None:
    page = client.get("/").text
    assert "Nach 45 Tagen wird alles" in page
    assert "LÖSCHEN" in page
    assert 'href="/datenschutz"' in page


def test_full_text_is_filled_from_settings_and_names_the_authority(client: TestClient) -> None:
    response = client.get("/datenschutz")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="de">' in page
    for expected in (
        "Stadt Beispielstadt, Amt 99",
        "datenschutz@beispielstadt.example",
        "45 Tagen",
        "Artikel 6 Absatz 1 Buchstabe e",
        "LDI NRW",
        "Auskunft",
        "LÖSCHEN",
        # DIODO_CONTROLLER_CONTACT is unset here: the placeholder asks the city to fill it in.
        f"Schreiben Sie dafür an: {text('city_to_fill_in')}.",
    ):
        assert expected in page, expected


def test_app_refuses_to_start_without_contact_keys(tmp_path: Path) -> None:
    from helpdesk.main import ConfigurationError

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        internal_api_token=SecretStr("t"),
        pseudonym_key=SecretStr("p"),
        contact_keys=SecretStr(""),
        contact_index_key=SecretStr("i"),
    )
    with pytest.raises(ConfigurationError, match="DIODO_CONTACT_KEYS"):
        create_app(settings)
