"""Schemathesis over every operation of the served OpenAPI schema, in-process.

Valid and invalid data (schemathesis' positive and negative modes), signed in and not:
the web chat API with a real session and without, the internal API with its bearer token
and without, the staff places API as admin, as coordinator and anonymous. Rasa is down
(a closed port): the chat API must still answer politely. Checks: never a 5xx, and the
documented responses (body schema, content type) hold.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.integration.fuzz.conftest import TOKEN, World, fuzz_settings
from tests.integration.fuzz.transport import send

Auth = Literal["public", "webchat", "internal", "staff"]
# Schemathesis' strategies use `random` inside; with derandomize=True that is harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")

# Every operation of the schema, with the credentials it takes (see the coverage test).
OPERATIONS: dict[tuple[str, str], Auth] = {
    ("POST", "/api/webchat/sessions"): "public",
    ("POST", "/api/webchat/messages"): "webchat",
    ("GET", "/api/webchat/replies"): "webchat",
    ("POST", "/api/webchat/sessions/{session_id}/messages"): "public",
    ("GET", "/api/webchat/sessions/{session_id}/replies"): "public",
    ("GET", "/health"): "public",
    ("GET", "/datenschutz"): "public",
    ("POST", "/internal/knowledge/search"): "internal",
    ("POST", "/internal/knowledge/article"): "internal",
    ("POST", "/internal/knowledge/feedback"): "internal",
    ("POST", "/internal/places/route"): "internal",
    ("POST", "/internal/places/details"): "internal",
    ("POST", "/internal/places/resolve"): "internal",
    ("POST", "/internal/tickets/preview"): "internal",
    ("POST", "/internal/tickets"): "internal",
    ("GET", "/staff/api/places"): "staff",
    ("POST", "/staff/api/places"): "staff",
    ("GET", "/staff/api/places/{key}"): "staff",
    ("PUT", "/staff/api/places/{key}"): "staff",
    ("DELETE", "/staff/api/places/{key}"): "staff",
}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def schema(world: World) -> BaseSchema:
    """The schema the app serves at /openapi.json (not a copy)."""
    served = world.client.get("/openapi.json")
    assert served.status_code == 200, served.text
    return schemathesis.openapi.from_dict(served.json())


def test_every_operation_of_the_schema_is_fuzzed(schema: BaseSchema) -> None:
    listed = {
        (result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()
    }
    assert listed == set(OPERATIONS)


def _credentials(world: World, auth: Auth, who: int) -> dict[str, str]:
    """Headers for ``who``: 0 signed in (admin for staff), 1 coordinator/none, 2 none."""
    if auth == "webchat" and who < 2:
        return {"Authorization": f"Bearer {world.webchat_session}"}
    if auth == "internal" and who < 2:
        return {"Authorization": f"Bearer {TOKEN}"}
    if auth == "staff" and who < 2:
        return (world.admin if who == 0 else world.coordinator).headers()
    return {}


def _aim(case: Case, world: World, aimed: bool) -> None:
    """Point some cases at things that exist, so the fuzzer gets past the 404s; a long
    poll waits at most a moment."""
    if isinstance(case.query, dict) and isinstance(case.query.get("wait"), int | float):
        case.query["wait"] = min(case.query["wait"], 0.05)
    if not aimed:
        return
    params = case.path_parameters or {}
    if "session_id" in params:
        params["session_id"] = world.webchat_session
    if "key" in params:
        params["key"] = world.place_key
    body: Any = case.body
    if isinstance(body, dict):
        if "sender" in body:
            body["sender"] = world.pseudonym
        if isinstance(body.get("keys"), list):
            body["keys"] = [world.place_key, *body["keys"]][:10]


@pytest.mark.parametrize(("method", "path"), list(OPERATIONS))
def test_operation_never_answers_with_a_server_error(
    world: World, schema: BaseSchema, method: str, path: str
) -> None:
    operation = schema[path][method]
    cases = operation.as_strategy(GenerationMode.POSITIVE)
    if list(operation.iter_parameters()) or operation.body:  # something to get wrong
        cases = st.one_of(cases, operation.as_strategy(GenerationMode.NEGATIVE))
    auth = OPERATIONS[(method, path)]

    @fuzz_settings()
    @given(case=cases, who=st.integers(0, 2), aimed=st.booleans())
    def run(case: Case, who: int, aimed: bool) -> None:
        _aim(case, world, aimed)
        response = send(world.client, case, _credentials(world, auth, who))
        case.validate_response(response, checks=CHECKS)

    run()
