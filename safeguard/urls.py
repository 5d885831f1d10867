from django.contrib import admin
from django.urls import include, path

from safeguard.web.second_factor import admin_sign_in

urlpatterns = [
    path("", include("safeguard.web.urls")),
    # The admin's own sign-in form would take a password alone (no second factor): ours instead.
    path("admin/login/", admin_sign_in),
    path("admin/", admin.site.urls),
]
