from safeguard.core.admin import register_read_only

from .models import CalendarDay

# Clocks belong to a child's record: read in the app, through the access policy.
register_read_only(CalendarDay)
