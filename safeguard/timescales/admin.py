from safeguard.core.admin import register_read_only

from .models import CalendarDay, Clock

register_read_only(CalendarDay, Clock)
