"""`{% load problems %}`: the known-error panel for an incident page, and problem labels."""

from __future__ import annotations

from typing import Any

from django import template

from incidesk.incidents.models import Incident
from incidesk.problems.status import ProblemStatus

register = template.Library()


@register.inclusion_tag("problems/known_error_slot.html")
def known_error_panel(incident: Incident) -> dict[str, Any]:
    """A placeholder that loads the workarounds of the known errors behind `incident` and
    incidents like it (`problems:known_errors`) once the page is shown."""
    return {"incident": incident}


@register.filter
def problem_status(value: str) -> str:
    """A problem status code as words in the active language."""
    try:
        return str(ProblemStatus(value).label)
    except ValueError:
        return value
