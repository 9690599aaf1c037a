"""Automation endpoints: the "why" of an incident, for desk staff."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router

from incidesk.accounts.auth import api_user
from incidesk.automation.schemas import DecisionsOut
from incidesk.automation.why import decisions
from incidesk.core.errors import Forbidden
from incidesk.incidents.access import access_incident

router = Router(tags=["automation"])


@router.get(
    "/incidents/{number}/automation",
    response=DecisionsOut,
    summary="Why the automation routed and assigned an incident",
)
def incident_automation(request: HttpRequest, number: str) -> dict[str, Any]:
    """The routing rules that matched (with the conditions that held) and each automatic
    assignment (the agents considered and why each was passed over), oldest first, in the
    caller's language, with the record behind each. Desk staff only: it names rules and
    agents."""
    user = api_user(request)
    if not user.is_desk_staff:
        raise Forbidden(_("Only support staff may see the automation's decisions."))
    incident = access_incident(user, number)
    return {
        "tags": incident.tags,
        "decisions": [
            {"kind": told.kind, "at": told.at, "text": told.lines, "data": told.data}
            for told in decisions(incident)
        ],
    }
