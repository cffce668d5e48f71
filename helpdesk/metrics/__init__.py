"""Operations metrics: ``/metrics`` in Prometheus' text format (see docs/operations.md)."""
