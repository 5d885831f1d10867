"""What the app tells a member of staff: alerts, and the page to read them."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from safeguard.access import services as access


@login_required
@require_POST
def alert_read(request, alert_id):
    """Mark one of your own alerts as seen; someone else's, or none, is a 404. Back to a page of this
    site only (an off-site `next` would make the link a springboard for phishing)."""
    try:
        access.alert_mark_read(by=request.user, alert_id=int(alert_id))
    except access.Alert.DoesNotExist:
        raise Http404("no such alert") from None
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("web:manager")
    return redirect(back)


urlpatterns = [
    path("alerts/<int:alert_id>/read/", alert_read, name="alert_read"),
]
