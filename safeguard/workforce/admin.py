from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import LocalAuthority, Team, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    fieldsets = UserAdmin.fieldsets + (
        ("Role", {"fields": ("role", "team", "local_authority", "sw_id", "fte", "is_agency")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "service", "manager", "local_authority")


admin.site.register(LocalAuthority)
