"""Stop watching from the mail, without signing in: a watcher added from a Cc or by a colleague
is often a contact with no password. Each watcher's mail carries a signed link for that incident
and person; GET shows a button (mail scanners fetch links and must change nothing), POST takes
them off through `do_remove_watcher` as themselves. A wrong or stale link, or one for someone
who no longer watches, answers the same 404. Every request counts as a tracking lookup
(`TRACK_IP`), right token or wrong."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from incidesk.core.ratelimits import TRACK_IP, limit_requests
from incidesk.incidents import actions
from incidesk.incidents.models import Watcher

SALT = "incidesk.portal.stop-watching"
# Long enough for an old mail in the archive; a watcher added again may use an old link.
MAX_AGE = timedelta(days=365)


def stop_token(incident_id: int, person_id: int) -> str:
    """The token of the link that stops `person_id` watching `incident_id`."""
    return signing.dumps([incident_id, person_id], salt=SALT)


def _watcher(token: str) -> Watcher | None:
    try:
        incident_id, person_id = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Watcher.objects.select_related("incident", "person")
        .filter(incident_id=incident_id, person_id=person_id, person__is_active=True)
        .first()
    )


@limit_requests(TRACK_IP, methods=None)
@require_http_methods(["GET", "POST"])
def stop_watching(request: HttpRequest, token: str) -> HttpResponse:
    watcher = _watcher(token)
    if watcher is None:
        return render(request, "portal/stop_watching.html", {"invalid": True}, status=404)
    number = watcher.incident.number
    if request.method == "POST":
        actions.do_remove_watcher(watcher.incident, actor=watcher.person, person=watcher.person)
        return render(request, "portal/stop_watching.html", {"done": True, "number": number})
    return render(request, "portal/stop_watching.html", {"number": number})
