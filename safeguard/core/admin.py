"""The Django admin is for technical superusers only, and shows no child-level record: every read
of a child goes through the access policy and is audited, every change through a service, and the
admin's generic pages would bypass both. People administer the council in the app."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SuperuserAdminSite(admin.AdminSite):
    site_header = site_title = "Safeguard (technical support)"

    def has_permission(self, request) -> bool:
        """Staff status and view_* permissions open nothing here: superusers only."""
        return bool(request.user.is_active and request.user.is_superuser)


class SuperuserAdminConfig(AdminConfig):
    default_site = "safeguard.core.admin.SuperuserAdminSite"


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    list_per_page = 50

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def register_read_only(*models, list_display=None):
    """Show these models in the admin, read-only, with their first few fields as columns."""
    for model in models:
        fields = list_display or [
            f.name for f in model._meta.fields
            if f.name not in ("created_at", "updated_at", "recorded_by", "version")
        ][:8]
        admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyRecordAdmin,),
                                        {"list_display": fields}))

