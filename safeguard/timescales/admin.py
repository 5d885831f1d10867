from django.contrib import admin

from safeguard.core.admin import ReadOnlyRecordAdmin, register_read_only

from .models import CalendarDay, Clock

register_read_only(CalendarDay)


@admin.register(Clock)
class ClockAdmin(ReadOnlyRecordAdmin):
    """Clocks about allegations against adults are shown only to those who may see allegations."""

    list_display = ("code", "child", "start_date", "due_date", "met_date", "stopped_date")
    list_filter = ("code",)

    def get_queryset(self, request):
        from safeguard.lado.access import can_see_allegations

        clocks = super().get_queryset(request)
        if not can_see_allegations(request.user):
            clocks = clocks.filter(child__isnull=False)
        return clocks
