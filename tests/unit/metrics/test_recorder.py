"""The per-process instruments and the exposition text, without a database."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from helpdesk.channels.delivery import Outcome
from helpdesk.conversations.worker import TurnOutcome
from helpdesk.metrics.recorder import Probes, Recorder


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_unreadable_database_is_one_gauge_not_a_failed_scrape() -> None:
    samples = _samples(Recorder().render(None, Probes(rasa=True, actions=False)))
    assert samples[("diodo_database_up", ())] == 0
    assert samples[("diodo_rasa_up", ())] == 1
    assert samples[("diodo_actions_up", ())] == 0
    assert not any(name.startswith(("diodo_inbox", "diodo_tickets")) for name, _ in samples)


def test_label_values_outside_the_fixed_sets_are_folded() -> None:
    recorder = Recorder()
    recorder.turn_retried("+491701234567", "Rasa said: call 0170 1234567")
    recorder.delivery_attempted("web", Outcome.SENT)
    recorder.turn_finished("sms", TurnOutcome.BOT, 1.5)
    body = recorder.render(None, Probes(rasa=True, actions=True))
    samples = _samples(body)
    assert b"1234567" not in body
    assert samples[("diodo_turn_retries_total", (("channel", "other"), ("reason", "other")))] == 1
    assert samples[("diodo_deliveries_total", (("channel", "web"), ("result", "sent")))] == 1
    assert (
        samples[("diodo_turn_duration_seconds_count", (("channel", "sms"), ("outcome", "bot")))]
        == 1
    )
    assert not any(name.endswith("_created") for name, _ in samples)


def test_two_apps_in_one_interpreter_count_separately() -> None:
    first, second = Recorder(), Recorder()
    first.delivery_attempted("web", Outcome.PERMANENT)
    key = ("diodo_deliveries_total", (("channel", "web"), ("result", "permanent")))
    assert _samples(first.render(None, Probes(True, True)))[key] == 1
    assert _samples(second.render(None, Probes(True, True)))[key] == 0
