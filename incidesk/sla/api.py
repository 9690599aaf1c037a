"""SLA endpoints: parse -> access -> read -> schema, like the incidents' own."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from incidesk.accounts.auth import api_user
from incidesk.incidents import queries
from incidesk.incidents.access import access_incident
from incidesk.sla.explain import clocks_in_order, explain
from incidesk.sla.schemas import SlaStoryOut

router = Router(tags=["service levels"])


@router.get("/incidents/{number}/sla", response=SlaStoryOut, summary="Explain the SLA clocks")
def incident_sla(request: HttpRequest, number: str) -> dict[str, Any]:
    """The clocks as of now and their story: started, paused and why, re-targeted, met or
    breached. Customers read plain words without the desk's warnings and escalations. Someone
    else's incident is a 404, as a missing one."""
    user = api_user(request)
    incident = access_incident(user, number, queryset=queries.with_related())
    return {"clocks": clocks_in_order(incident), "story": explain(incident, user)}
