"""Rasa's REST channel answers only the app: callers without the token get 401.

The channel's blueprint runs in-process on a Sanic app through ASGI; a recorder stands in
for Rasa's agent, so "nothing reached Rasa" means no tracker was read or written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic, response

from botserver.channel import TokenRestInput
from botserver.tokens import MissingToken
from tests.botserver.asgi import serving

TOKEN = "rasa-test-token"
WEBHOOK = "/webhooks/rest/webhook"
FORGED = {"sender": "pseudonym-of-someone-else", "message": "was weißt du über mich?"}


class FakeAgent:
    """Stands in for Rasa: records every message that got through and answers it."""

    def __init__(self) -> None:
        self.senders: list[str] = []

    async def handle(self, message: UserMessage) -> None:
        self.senders.append(str(message.sender_id))
        await message.output_channel.send_text_message(str(message.sender_id), "Hallo!")


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[FakeAgent, object]]:
    Sanic.test_mode = True  # one app name per test would otherwise be refused
    app = Sanic("rasa_channel_test")
    agent = FakeAgent()
    channel = TokenRestInput.from_credentials({"token": TOKEN})
    app.blueprint(channel.blueprint(agent.handle), url_prefix=f"/webhooks/{channel.name()}")

    @app.get("/")
    async def root(_: object) -> response.HTTPResponse:  # Rasa's own health route
        return response.text("Hello from Rasa")

    async with serving(app) as client:
        yield agent, client


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "wrong", "other-scheme", "longer", "empty"],
)
async def test_a_message_without_the_token_is_refused_before_rasa_sees_it(rasa, headers):
    agent, client = rasa
    answer = await client.post(WEBHOOK, json=FORGED, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert agent.senders == []


async def test_the_token_in_the_query_string_does_not_count(rasa):
    agent, client = rasa
    answer = await client.post(f"{WEBHOOK}?token={TOKEN}", json=FORGED)
    assert answer.status_code == 401
    assert agent.senders == []


async def test_the_apps_message_with_the_token_is_answered_as_by_the_rest_channel(rasa):
    agent, client = rasa
    answer = await client.post(
        WEBHOOK,
        json={"sender": "pseudonym", "message": "hallo", "metadata": {"channel": "web"}},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 200
    assert answer.json() == [{"recipient_id": "pseudonym", "text": "Hallo!"}]
    assert agent.senders == ["pseudonym"]


async def test_rasas_health_route_stays_open(rasa):
    _, client = rasa
    assert (await client.get("/")).status_code == 200


def test_the_channel_refuses_to_start_without_a_token():
    with pytest.raises(MissingToken):
        TokenRestInput.from_credentials({"token": ""})
    with pytest.raises(MissingToken):
        TokenRestInput.from_credentials(None)


def test_the_url_and_the_trackers_input_channel_stay_rest():
    assert TokenRestInput.name() == "rest"
    assert TokenRestInput("t").url_prefix() == "rest"
