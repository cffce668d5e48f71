"""Imports every model module so that ``Base.metadata`` knows all tables."""

from helpdesk.conversations import models as conversations

__all__ = ["conversations"]
