"""This process's counters and histograms, and the text Prometheus scrapes.

Counters and histograms (turn latency, deliveries by result) live in this process's
memory, in a registry of its own per app (no global state, so tests and several apps in
one interpreter do not mix). With several app processes, Prometheus scrapes each one as
its own target and sums them (docs/operations.md). The database's figures
(``helpdesk.metrics.service``) and Rasa's availability are added at scrape time.

Label values come from fixed sets only (channels, outcomes, results, statuses) or are
place names: never an address, a chat id, a pseudonym or a message text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from helpdesk.channels.delivery import Outcome
from helpdesk.conversations.worker import TurnOutcome
from helpdesk.metrics.service import CHANNELS, Queue, Snapshot

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the classic text format every Prometheus reads
# A turn is a Rasa round trip (well under a second to a few seconds) unless Rasa is down:
# then minutes to hours, up to the give-up time (6 h).
TURN_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 21600)
RETRY_REASONS = ("assistant_unavailable", "claim_lost")
OTHER = "other"


@dataclass(frozen=True)
class Probes:
    """What was asked of the neighbours at scrape time (True: it answered)."""

    rasa: bool
    actions: bool


def _channel(value: str) -> str:
    # A label value must come from a fixed set; anything else is folded, never passed on.
    return value if value in CHANNELS else OTHER


class Recorder:
    """Per-process instruments; the inbox worker and the delivery workers report here."""

    def __init__(self) -> None:
        # The *_created series only repeat the process start time for every label set.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        self._turns = Histogram(
            "diodo_turn_duration_seconds",
            "Time from a citizen message's arrival until it was finished (replies in the "
            "outbox), by how it was finished; counted by this process.",
            ["channel", "outcome"],
            buckets=TURN_BUCKETS,
            registry=self.registry,
        )
        self._retries = Counter(
            "diodo_turn_retries",
            "Messages put back to wait: the assistant was unavailable, or another worker "
            "took over an expired claim; counted by this process.",
            ["channel", "reason"],
            registry=self.registry,
        )
        self._deliveries = Counter(
            "diodo_deliveries",
            "Delivery attempts of outbox rows by result (sent, retry, permanent); counted "
            "by this process.",
            ["channel", "result"],
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        # Every series exists from the start, so rate() and alerts see the first event.
        for channel in CHANNELS:
            for reason in RETRY_REASONS:
                self._retries.labels(channel, reason)
            for outcome in Outcome:
                self._deliveries.labels(channel, outcome.value)

    def turn_finished(self, channel: str, outcome: TurnOutcome, seconds: float) -> None:
        """See ``helpdesk.conversations.worker.TurnObserver``."""
        self._turns.labels(_channel(channel), TurnOutcome(outcome).value).observe(seconds)

    def turn_retried(self, channel: str, reason: str) -> None:
        """See ``helpdesk.conversations.worker.TurnObserver``."""
        self._retries.labels(_channel(channel), reason if reason in RETRY_REASONS else OTHER).inc()

    def delivery_attempted(self, channel: str, outcome: Outcome) -> None:
        """See ``helpdesk.channels.delivery.DeliveryObserver``."""
        self._deliveries.labels(_channel(channel), Outcome(outcome).value).inc()

    def render(self, snapshot: Snapshot | None, probes: Probes) -> bytes:
        """The exposition text: this process's instruments plus the scrape-time figures.

        ``snapshot`` is None when the database could not be read; then only
        ``diodo_database_up 0`` stands for it.
        """
        return generate_latest(_Scrape(self.registry, list(_families(snapshot, probes))))


class _Scrape:
    """One scrape's collector: the registry's metrics followed by fresh gauges."""

    def __init__(self, registry: CollectorRegistry, extra: list[Metric]) -> None:
        self._registry = registry
        self._extra = extra

    def collect(self) -> Iterable[Metric]:
        yield from self._registry.collect()
        yield from self._extra


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


def _queue_families(prefix: str, what: str, queue: Queue) -> Iterator[Metric]:
    depth = GaugeMetricFamily(
        f"diodo_{prefix}_messages",
        f"{what} not finished yet, by channel and status (from the database).",
        labels=["channel", "status"],
    )
    for (channel, status), count in sorted(queue.count.items()):
        depth.add_metric([_channel(channel), status], count)
    yield depth
    oldest = GaugeMetricFamily(
        f"diodo_{prefix}_oldest_waiting_seconds",
        f"Age of the oldest {what.lower()} not finished yet, by channel; 0 when none waits "
        "(from the database).",
        labels=["channel"],
    )
    for channel, seconds in sorted(queue.oldest_seconds.items()):
        oldest.add_metric([_channel(channel)], seconds)
    yield oldest


def _families(snapshot: Snapshot | None, probes: Probes) -> Iterator[Metric]:
    yield _gauge(
        "diodo_rasa_up", "1 when Rasa answered its health check at scrape time.", probes.rasa
    )
    yield _gauge(
        "diodo_actions_up",
        "1 when the action server answered its health check at scrape time.",
        probes.actions,
    )
    yield _gauge(
        "diodo_database_up",
        "1 when the database could be read at scrape time.",
        snapshot is not None,
    )
    if snapshot is None:
        return
    yield from _queue_families("inbox", "Inbound messages", snapshot.inbox)
    yield from _queue_families("outbox", "Outbox rows", snapshot.outbox)
    tickets = GaugeMetricFamily(
        "diodo_tickets_open",
        'Open help desk tickets by place and state; place_id "" is the central queue '
        "(from the database).",
        labels=["place_id", "place", "state"],
    )
    overdue = GaugeMetricFamily(
        "diodo_tickets_first_response_overdue",
        "Open tickets still without a first response after their due time, by place "
        "(from the database).",
        labels=["place_id", "place"],
    )
    for queue in snapshot.tickets:
        for state, count in sorted(queue.by_state.items()):
            tickets.add_metric([queue.place_id, queue.place, state], count)
        overdue.add_metric([queue.place_id, queue.place], queue.overdue)
    yield tickets
    yield overdue
    if snapshot.database_bytes is not None:
        yield _gauge(
            "diodo_database_size_bytes",
            "Size of the database (SQLite: the main file without its WAL).",
            snapshot.database_bytes,
        )
    if snapshot.disk_free_bytes is not None:
        yield _gauge(
            "diodo_database_disk_free_bytes",
            "Free space on the file system of the SQLite database file.",
            snapshot.disk_free_bytes,
        )
