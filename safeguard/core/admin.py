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
    """Show these models in the admin, read-only, with their first few fields as columns."""
    for model in models:
        fields = list_display or [
            f.name for f in model._meta.fields
            if f.name not in ("created_at", "updated_at", "recorded_by", "version")
        ][:8]
        admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyRecordAdmin,),
                                        {"list_display": fields}))


def register_app_read_only(label: str, exclude: tuple[str, ...] = ()) -> None:
    """Register every model of an app (historical copies excluded) read-only."""
    from django.apps import apps

    register_read_only(*[m for m in apps.get_app_config(label).get_models()
                         if not m.__name__.startswith("Historical") and m.__name__ not in exclude])
