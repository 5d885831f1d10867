from safeguard.core.admin import register_read_only

from .models import AuditEvent

register_read_only(AuditEvent)
