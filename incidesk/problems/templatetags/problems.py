"""`{% load problems %}`: the known-error panel for an incident page, and problem labels."""

from __future__ import annotations

from typing import Any

from django import template
from django.template import Context

from incidesk.incidents.models import Incident
from incidesk.problems.queries import known_errors_for
from incidesk.problems.status import ProblemStatus

register = template.Library()


@register.inclusion_tag("problems/known_error_panel.html", takes_context=True)
def known_error_panel(context: Context, incident: Incident) -> dict[str, Any]:
    """The workarounds of the known errors behind `incident` and incidents like it that the
    signed-in user may see (nothing when there are none)."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    viewer = viewer if viewer is not None and viewer.is_authenticated else None
    return {"known_errors": known_errors_for(incident, viewer)}


@register.filter
def problem_status(value: str) -> str:
    """A problem status code as words in the active language."""
    try:
        return str(ProblemStatus(value).label)
    except ValueError:
        return value
