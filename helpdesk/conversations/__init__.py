"""The conversation hub: durable inbox, per-conversation processing, outbox."""
