"""A fake Twilio REST API (Messages) on 127.0.0.1, with injectable faults.

Point the app at it with ``DIODO_TWILIO_API_BASE_URL=<fake.url>``; the real twilio
client then talks to it. ``signed_post`` sends webhooks signed with twilio's own
RequestValidator, as Twilio would.
"""

from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from tests.fakes.server import FakeServer, Faults, Request, sleep_for_timeout

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-twilio-auth-token"
FROM_NUMBER = "+4923100000"


@dataclass(frozen=True)
class SentSms:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None


@dataclass
class FakeTwilio:
    """Records every SMS the app sends; ``faults`` makes calls fail."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    faults: Faults = field(default_factory=Faults)
    permanent_code: int = 21610
    sent: list[SentSms] = field(default_factory=list)
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: FakeServer | None = None

    def start(self) -> FakeTwilio:
        self._server = FakeServer(self._handle)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def to(self, number: str) -> list[str]:
        """Bodies sent to ``number``, in order."""
        with self._lock:
            return [sms.body for sms in self.sent if sms.to == number]

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    def _handle(self, request: Request) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.calls += 1
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if request.method not in ("GET", "POST") or request.path != path:
            return 404, {}, {"code": 20404, "message": "not found", "status": 404}
        if not self._authorised(request):
            return 401, {}, {"code": 20003, "message": "Authenticate", "status": 401}
        fault = self.faults.next()
        if fault == "timeout":
            return sleep_for_timeout(self.faults)
        if fault == "429":
            body = {"code": 20429, "message": "Too Many Requests", "status": 429}
            return 429, {"Retry-After": str(self.faults.retry_after)}, body
        if fault == "500":
            return 500, {}, {"code": 20500, "message": "Internal Server Error", "status": 500}
        if fault == "permanent":
            message = "Attempt to send to unsubscribed recipient"
            return 400, {}, {"code": self.permanent_code, "message": message, "status": 400}
        if request.method == "GET":
            return 200, {}, self._list(request.params)
        sid = f"SM{next(self._ids):032x}"
        sms = SentSms(
            sid=sid,
            to=request.params.get("To", ""),
            from_=request.params.get("From", ""),
            body=request.params.get("Body", ""),
            status_callback=request.params.get("StatusCallback"),
        )
        with self._lock:
            self.sent.append(sms)
        if fault == "late":
            return sleep_for_timeout(self.faults)
        return 201, {}, self._resource(sms)

    def _resource(self, sms: SentSms) -> dict[str, Any]:
        return {
            "sid": sms.sid,
            "account_sid": self.account_sid,
            "to": sms.to,
            "from": sms.from_,
            "body": sms.body,
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
        }

    def _list(self, params: dict[str, str]) -> dict[str, Any]:
        """Messages newest first, filtered by To and From (one page)."""
        size = int(params.get("PageSize") or 50)
        with self._lock:
            found = [
                self._resource(sms)
                for sms in reversed(self.sent)
                if params.get("To", sms.to) == sms.to and params.get("From", sms.from_) == sms.from_
            ][:size]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return {
            "messages": found,
            "page": 0,
            "page_size": size,
            "first_page_uri": uri,
            "uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
        }


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send, computed by twilio's validator."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


def signed_post(
    client: httpx.Client | Any,
    *,
    path: str,
    public_url: str,
    params: dict[str, str],
    auth_token: str = AUTH_TOKEN,
) -> httpx.Response:
    """POST a form to the app as Twilio would, signed for ``public_url + path``."""
    signature = sign(auth_token, public_url.rstrip("/") + path, params)
    response: httpx.Response = client.post(
        path, data=params, headers={"X-Twilio-Signature": signature}
    )
    return response


def inbound_params(sender: str, body: str, sid: str) -> dict[str, str]:
    """The form fields of an inbound SMS webhook (the ones the app reads, and a few more)."""
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
