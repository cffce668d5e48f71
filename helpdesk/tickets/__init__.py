"""Help desk tickets: handoff to a human, queues per place, staff replies."""
