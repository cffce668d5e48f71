"""The short soak of `make test`: 3 minutes of the mixed load of ``bench/soak.py``.

Its own stack (actions, Rasa, app, fake Twilio) on free ports. It runs beside the other
test groups on the same cores, so the latency bound is relative and has a floor, and the
rate is 3 requests/s instead of the long run's 5: at 5/s the stack, starved by the
neighbours' busiest minutes, sat at the edge of saturation, where a few seconds of
Chromium start-up beside it doubled the p95 of one minute (docs/benchmarks.md, "Soak").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import soak
from helpdesk.cli import processes
from tests.ports import closed_port

MINUTES = 3
RATE = 3.0


@pytest.mark.soak
@pytest.mark.timeout(MINUTES * 60 + 600)
def test_three_minutes_of_mixed_load_without_errors_or_latency_drift(tmp_path: Path) -> None:
    ports = processes.Ports(app=closed_port(), rasa=closed_port(), actions=closed_port())
    failures = soak(MINUTES, RATE, ports, tmp_path)
    assert not failures, failures
