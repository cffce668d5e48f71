"""Imports every model module so that ``Base.metadata`` knows all tables."""

from helpdesk.analytics import models as analytics
from helpdesk.channels import sms_state as channels
from helpdesk.conversations import models as conversations
from helpdesk.places import models as places

__all__ = ["analytics", "channels", "conversations"]
__all__ += ["places"]
