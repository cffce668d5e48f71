"""The phone simulator in the app: absent by default, refused in production, and a full
round trip through the real channel code without Rasa (keyword and privacy replies are
the app's own), served by uvicorn on a local port as under ``diodo run``."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from twilio.base.exceptions import TwilioRestException

from helpdesk.channels import sms
from helpdesk.channels.delivery import Outcome
from helpdesk.channels.render import render_sms_pages
from helpdesk.cli import main as cli_main
from helpdesk.cli import processes
from helpdesk.conversations.service import Reply
from helpdesk.main import ConfigurationError, create_app
from helpdesk.settings import Settings, get_settings
from helpdesk.simulator.cli import demo_channel_env
from helpdesk.texts import text as citizen_text
from tests.keys import SETTINGS_KEYS
from tests.ports import closed_port

SECRET_TEXT = "Hier schreibt Quirinus Zwetschgenbaum"


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'diodo.db'}",
        rasa_url=f"http://127.0.0.1:{closed_port()}",
        actions_url=f"http://127.0.0.1:{closed_port()}",
        internal_api_token=SecretStr("internal-test-token"),
        pseudonym_key=SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,  # type: ignore[arg-type]
        knowledge_semantic=False,
        places_seed_example_data=False,
        rasa_tracker_url="",
        **overrides,
    )


def test_the_simulator_is_absent_by_default(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path))) as client:
        assert client.get("/simulator").status_code == 404
        assert client.post("/simulator/api/phones").status_code == 404
        assert client.post("/simulator/api/sms", json={"text": "Hallo"}).status_code == 404
        path = "/simulator/twilio/2010-04-01/Accounts/AC1/Messages.json"
        assert client.post(path, data={"To": "+4915100001234"}).status_code == 404
        assert client.post("/simulator/telegram/bot1:x/getUpdates").status_code == 404


def test_the_app_refuses_to_start_with_the_simulator_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"DIODO_SIMULATOR=true .*DIODO_ENV=production"):
        create_app(_settings(tmp_path, simulator=True, env="production"))
    create_app(_settings(tmp_path, simulator=True, env="demo"))


def test_the_test_password_cost_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"DIODO_PASSWORD_HASH_COST=test .*production"):
        create_app(_settings(tmp_path, password_hash_cost="test", env="production"))
    create_app(_settings(tmp_path, password_hash_cost="standard", env="production"))


def test_diodo_run_refuses_the_simulator_in_production_before_starting_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_main, "ensure_local_secrets", lambda: [])
    monkeypatch.setenv("DIODO_ENV", "production")
    monkeypatch.setenv("DIODO_PASSWORD_HASH_COST", "standard")
    monkeypatch.setenv("DIODO_SIMULATOR", "true")
    started: list[str] = []
    monkeypatch.setattr(processes, "start_actions", lambda *a, **k: started.append("x"))
    try:
        assert cli_main.main(["run"]) == 2
    finally:
        get_settings.cache_clear()
    assert started == []
    assert (
        "DIODO_SIMULATOR=true is not allowed with DIODO_ENV=production" in capsys.readouterr().err
    )


def test_without_demo_channels_the_page_says_so_and_sends_nothing(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, simulator=True))) as client:
        page = client.get("/simulator")
        assert page.status_code == 200
        assert "SMS ist im Übungs-Telefon nicht eingerichtet" in page.text
        key = client.post("/simulator/api/phones").json()["key"]
        sent = client.post(
            "/simulator/api/sms", json={"text": "Hallo"}, headers={"Authorization": f"Bearer {key}"}
        )
        assert sent.status_code == 409


# --- the whole round trip, on a real port -------------------------------------------


class LiveApp:
    """The app under uvicorn in a thread, wired to its own stand-ins like `diodo run`."""

    def __init__(self, settings: Settings, port: int) -> None:
        self.settings = settings
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.http = httpx.Client(base_url=self.url, timeout=30)
        self.key = ""

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "app did not start"
            time.sleep(0.05)
        self.key = self.http.post("/simulator/api/phones").json()["key"]

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(15)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def thread_messages(self) -> dict[str, Any]:
        response = self.http.get("/simulator/api/messages", headers=self.auth)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_for(self, found: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 20
        while True:
            messages = list(self.thread_messages()["messages"])
            if found(messages):
                return messages
            assert time.monotonic() < deadline, messages
            time.sleep(0.1)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApp]:
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    demo = demo_channel_env(url, sms_configured=False, telegram_configured=False)
    channel_settings = {name.removeprefix("DIODO_").lower(): value for name, value in demo.items()}
    settings = _settings(
        tmp_path,
        simulator=True,
        public_url=url,
        retry_max_seconds=1,
        telegram_poll_timeout_seconds=2,
        **channel_settings,
    )
    app = LiveApp(settings, port)
    app.start()
    yield app
    app.stop()


def _bot(messages: list[dict[str, Any]], channel: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["channel"] == channel and not m["from_phone"]]


def test_an_sms_keyword_goes_through_the_signed_webhook_and_the_twilio_client(
    live: LiveApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    page = live.http.get("/simulator")
    assert page.status_code == 200 and 'lang="de"' in page.text
    assert "content-security-policy" in page.headers
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
    number = live.thread_messages()["number"]
    assert re.fullmatch(r"\+491510000\d{4}", number)

    sent = live.http.post("/simulator/api/sms", json={"text": "HILFE"}, headers=live.auth)
    assert sent.status_code == 202
    help_text = render_sms_pages(Reply(citizen_text("sms_help"), ()))[0].text
    messages = live.wait_for(lambda ms: any(m["text"] == help_text for m in _bot(ms, "sms")))
    assert messages[0] == {**messages[0], "from_phone": True, "text": "HILFE"}

    sent = live.http.post("/simulator/api/sms", json={"text": SECRET_TEXT}, headers=live.auth)
    assert sent.status_code == 202
    # Rasa is down: the real holding reply reaches the phone through the outbox.
    live.wait_for(lambda ms: len(_bot(ms, "sms")) >= 3)

    engine = create_engine(live.settings.database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT COUNT(*) FROM inbound_message")).scalar_one()
            deadline = time.monotonic() + 10
            while True:
                statuses = conn.execute(text("SELECT status FROM sms_message")).scalars().all()
                # Twilio's "delivered" callback, signed, through the real status handler.
                if "delivered" in statuses:
                    break
                assert time.monotonic() < deadline, statuses
                time.sleep(0.2)
                conn.rollback()
    finally:
        engine.dispose()
    assert stored == 2  # through the real webhook handler, once each
    logged = caplog.text
    assert number not in logged and number[3:] not in logged
    assert "Zwetschgenbaum" not in logged


async def test_the_twilio_client_to_a_number_that_is_no_simulated_phone_fails_for_good(
    live: LiveApp,
) -> None:
    client, http = sms.build_twilio_client(live.settings)
    try:
        with pytest.raises(TwilioRestException) as failed:
            await client.messages.create_async(
                to="+4915112345678", from_=live.settings.twilio_from_number, body="Hallo"
            )
    finally:
        await http.aclose()
    assert failed.value.code == 21211
    assert sms.classify_twilio_error(failed.value).outcome == Outcome.PERMANENT


def test_a_telegram_button_press_reaches_the_app_through_its_polling_loop(live: LiveApp) -> None:
    sent = live.http.post("/simulator/api/telegram", json={"text": "LÖSCHEN"}, headers=live.auth)
    assert sent.status_code == 202
    question = citizen_text("erase_question")
    messages = live.wait_for(
        lambda ms: any(m["text"] == question and m["buttons"] for m in _bot(ms, "telegram"))
    )
    asked = next(m for m in _bot(messages, "telegram") if m["text"] == question)
    assert [b["title"] for b in asked["buttons"]] == [
        citizen_text("erase_yes"),
        citizen_text("erase_no"),
    ]
    pressed = live.http.post(
        "/simulator/api/telegram",
        json={"message_ref": asked["ref"], "button": 1},
        headers=live.auth,
    )
    assert pressed.status_code == 202
    cancelled = citizen_text("erase_cancelled")
    live.wait_for(lambda ms: any(m["text"] == cancelled for m in _bot(ms, "telegram")))
    unknown = live.http.post(
        "/simulator/api/telegram", json={"message_ref": "999999", "button": 0}, headers=live.auth
    )
    assert unknown.status_code == 404


def test_the_stand_ins_refuse_callers_without_the_configured_credentials(live: LiveApp) -> None:
    path = f"/simulator/twilio/2010-04-01/Accounts/{live.settings.twilio_account_sid}/Messages.json"
    number = live.thread_messages()["number"]
    answer = live.http.post(path, data={"To": number, "Body": "x"}, auth=("AC0", "falsch"))
    assert answer.status_code == 401 and answer.json()["code"] == 20003
    assert live.http.post("/simulator/telegram/bot1:falsch/getMe").status_code == 401
    assert live.http.get("/simulator/api/messages").status_code == 404  # no phone key
    assert not live.thread_messages()["messages"]
