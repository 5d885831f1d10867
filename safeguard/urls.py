from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Safeguard"
admin.site.site_title = "Safeguard"

urlpatterns = [
    path("", include("safeguard.web.urls")),
    path("admin/", admin.site.urls),
]
