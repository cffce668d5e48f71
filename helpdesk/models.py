"""Imports every model module so that ``Base.metadata`` knows all tables."""

from helpdesk.analytics import models as analytics
from helpdesk.channels import limits as channel_limits
from helpdesk.channels import sms_state as channels
from helpdesk.conversations import models as conversations
from helpdesk.knowledge import models as knowledge
from helpdesk.notifications import models as notifications
from helpdesk.places import models as places
from helpdesk.privacy import models as privacy
from helpdesk.staff import models as staff
from helpdesk.tickets import models as tickets

__all__ = [
    "analytics",
    "channel_limits",
    "channels",
    "conversations",
    "knowledge",
    "notifications",
    "places",
    "privacy",
    "staff",
    "tickets",
]
