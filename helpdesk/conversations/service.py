"""Use cases of the conversation hub. Each function runs inside the caller's unit of work.

The inbox guarantees: a message is stored once per (conversation, channel message id);
one conversation has at most one message in processing, and messages are processed in
arrival order; replies are written in the same transaction that marks the message done,
and only by the worker that still holds the claim. The outbox is claimed the same way.

This module is the hub's public face: channels, tickets and privacy import it. The use
cases live by responsibility in ``contacts`` (contacts and their conversations),
``inbox`` (storing, claiming and finishing citizens' messages), ``outbox`` (queuing,
claiming and reading back replies) and ``claims`` (tokens, backoff, start-up release).
"""

from __future__ import annotations

from helpdesk.conversations.claims import backoff_seconds, new_token, release_unfinished
from helpdesk.conversations.contacts import find_conversation, get_or_create_conversation
from helpdesk.conversations.inbox import (
    InboundClaim,
    Received,
    answer_locally,
    claim_next_inbound,
    complete_inbound,
    defer_inbound,
    fail_inbound,
    finish_inbound_silently,
    holds_claim,
    is_received,
    receive_message,
)
from helpdesk.conversations.outbox import (
    Button,
    OutboundClaim,
    Reply,
    add_system_reply,
    claim_next_outbound,
    finish_outbound,
    list_sent_replies,
)

__all__ = [
    "Button",
    "InboundClaim",
    "OutboundClaim",
    "Received",
    "Reply",
    "add_system_reply",
    "answer_locally",
    "backoff_seconds",
    "claim_next_inbound",
    "claim_next_outbound",
    "complete_inbound",
    "defer_inbound",
    "fail_inbound",
    "find_conversation",
    "finish_inbound_silently",
    "finish_outbound",
    "get_or_create_conversation",
    "holds_claim",
    "is_received",
    "list_sent_replies",
    "new_token",
    "receive_message",
    "release_unfinished",
]
