"""The Django admin shows the record read-only: every change to a child's record goes through a
service that validates and audits, which the admin's generic forms would bypass."""

from django.contrib import admin


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    list_per_page = 50

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def register_read_only(*models, list_display=None):
    for model in models:
        fields = list_display or [
            f.name for f in model._meta.fields
            if f.name not in ("created_at", "updated_at", "recorded_by", "version")
        ][:8]
        admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyRecordAdmin,),
                                        {"list_display": fields}))
