"""RasaClient renders an article for the channel named in the message metadata.

A stand-in for Rasa's REST webhook on 127.0.0.1 answers with the payload the action
server produces for an answered question.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from helpdesk.channels.rasa import RasaClient
from helpdesk.channels.render import is_gsm7, render_sms, sms_segments
from knowledge import default_articles_dir, load_directory

WLAN = next(a for a in load_directory(default_articles_dir()) if a.id == "wlan-verbinden")
FOLLOWUP = {
    "text": "Hat das geholfen?",
    "buttons": [
        {"title": "Hat geholfen", "payload": "/article_helpful"},
        {"title": "Mit einem Menschen sprechen", "payload": "/request_human"},
    ],
}


class _Rasa(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Rasa.seen.append(body)
        custom = {
            "type": "article",
            "article_id": WLAN.id,
            "form": "standard",
            "text": WLAN.answer,
            "sms": WLAN.sms,
        }
        payload = json.dumps([{"recipient_id": body["sender"], "custom": custom}, FOLLOWUP])
        data = payload.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rasa_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Rasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("channel", ["web", "telegram", "sms"])
async def test_the_article_is_rendered_for_the_conversations_channel(
    rasa_url: str, channel: str
) -> None:
    client = RasaClient(rasa_url)
    try:
        replies = await client.send("pseudonym", "wlan einrichten", {"channel": channel})
    finally:
        await client.aclose()
    assert _Rasa.seen[-1]["metadata"] == {"channel": channel}
    if channel == "web":
        assert [r.text for r in replies] == [WLAN.answer.strip(), "Hat das geholfen?"]
    elif channel == "telegram":
        [reply] = replies
        assert "**" not in reply.text and reply.text.endswith("Hat das geholfen?")
        assert reply.buttons[0].payload == "/article_helpful"
    else:
        article, followup = replies
        pages, _ = render_sms(article)
        assert pages == [WLAN.sms] and is_gsm7(pages[0]) and sms_segments(pages[0]) <= 2
        assert followup.buttons[0].payload == "/article_helpful"
