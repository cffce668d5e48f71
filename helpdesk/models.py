"""Imports every model module so that ``Base.metadata`` knows all tables."""

from helpdesk.channels import sms_state as channels
from helpdesk.conversations import models as conversations
from helpdesk.places import models as places
from helpdesk.privacy import models as privacy

__all__ = ["channels", "conversations"]
__all__ += ["places"]
__all__ += ["privacy"]
