"""Allegations in the Django admin: read-only, and only for the LADO, their manager and
administrators. The demo gives every staff user view_* permissions, so the usual permission check
is replaced by the LADO role check, and every opened allegation is audited."""

from django.contrib import admin

from safeguard.audit.services import audit_record
from safeguard.core.admin import ReadOnlyRecordAdmin

from .access import can_see_allegations
from .models import Allegation, Review, StrategyMeeting
from .selectors import allegations_visible_to


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    fields = ("held_on",)
    readonly_fields = ("held_on",)
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return can_see_allegations(request.user)


class StrategyMeetingInline(_ReadOnlyInline):
    model = StrategyMeeting


class ReviewInline(_ReadOnlyInline):
    model = Review


@admin.register(Allegation)
class AllegationAdmin(ReadOnlyRecordAdmin):
    list_display = ("reference", "referral_date", "referring_agency", "employing_agency", "setting",
                    "category_of_harm", "response", "outcome", "closure_date")
    list_filter = ("response", "outcome")
    inlines = [StrategyMeetingInline, ReviewInline]

    def has_module_permission(self, request):
        return can_see_allegations(request.user)

    def has_view_permission(self, request, obj=None):
        return can_see_allegations(request.user)

    def get_queryset(self, request):
        return allegations_visible_to(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if can_see_allegations(request.user) and response.status_code == 200:
            audit_record(actor=request.user, action="view", object_type="lado.Allegation",
                         object_id=str(object_id), detail={"via": "admin"})
        return response
