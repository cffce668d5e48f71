"""Imports every model module so that ``Base.metadata`` knows all tables."""

from helpdesk.channels import sms_state as channels
from helpdesk.conversations import models as conversations
from helpdesk.places import models as places

__all__ = ["channels", "conversations"]
__all__ += ["places"]
from helpdesk.knowledge import models as knowledge  # noqa: E402

__all__ += ["knowledge"]
