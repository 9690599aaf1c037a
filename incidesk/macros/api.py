"""Macro endpoints: the macros the caller may apply, and applying one to an incident.

Same rules as the console: `macros.access` decides which macros a person sees,
`incidents.access` which incidents; applying runs the incident actions in one transaction
(`apply.apply_macro`), so a refusal at any step is the action's problem+json and writes nothing.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router

from incidesk.accounts.auth import api_user
from incidesk.core.errors import Forbidden
from incidesk.incidents import queries
from incidesk.incidents.access import access_incident
from incidesk.incidents.models import Incident
from incidesk.incidents.schemas import IncidentOut
from incidesk.macros.access import access_macro, visible_macros
from incidesk.macros.apply import apply_macro
from incidesk.macros.models import Macro
from incidesk.macros.schemas import ApplyMacroIn, MacroOut

router = Router(tags=["macros"])


@router.get("/macros", response=list[MacroOut], summary="Macros you may apply")
def list_macros(request: HttpRequest) -> QuerySet[Macro]:
    """Your personal macros, the desk-wide ones and your teams' shared ones, by name. Desk
    staff only."""
    user = api_user(request)
    if not user.is_desk_staff:
        raise Forbidden(_("Only support staff may use macros."))
    return visible_macros(user).order_by("name", "pk")


@router.post("/incidents/{number}/apply-macro", response=IncidentOut, summary="Apply a macro")
@transaction.atomic
def apply(request: HttpRequest, number: str, payload: ApplyMacroIn) -> Incident:
    """Run the macro's reply, field changes and status verb as one step, each through its
    action (timeline events, notifications). With `version`, refuse (409) if the incident
    changed since. Any refusal writes nothing and names its reason."""
    user = api_user(request)
    incident = access_incident(user, number, need="edit")
    macro = access_macro(user, payload.macro)
    applied = apply_macro(macro, incident, actor=user, expected_version=payload.version)
    return queries.reloaded(user, applied)
