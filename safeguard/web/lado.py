"""The LADO's desk: allegations against adults who work with children (KCSIE Part 4)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path

from safeguard.lado.access import can_see_allegations
from safeguard.lado.selectors import lado_worklist

from .views import _clock_rows


@login_required
def desk(request):
    if not can_see_allegations(request.user):
        raise PermissionDenied("allegations are for the LADO, their manager and administrators")
    return render(request, "web/lado.html", {"rows": _clock_rows(lado_worklist(request.user))})


urlpatterns = [
    path("lado/", desk, name="lado"),
]
