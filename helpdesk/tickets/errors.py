"""Domain exceptions of the help desk; routers map them to HTTP errors."""

from __future__ import annotations


class TicketNotFound(LookupError):
    """No such ticket for this staff member (also when it exists at a place they may
    not see: the answer must not reveal that it exists)."""


class NotAllowed(PermissionError):
    """The staff member's role may not do this (e.g. an organiser reading a transcript)."""


class InvalidChange(ValueError):
    """A change that makes no sense (reply to a closed ticket, unknown place...)."""


class ConversationNotFound(LookupError):
    """No conversation for the pseudonym the bot named."""
