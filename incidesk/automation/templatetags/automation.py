"""`{% load automation %}`: the "why" panel of the console's incident page."""

from __future__ import annotations

from typing import Any

from django import template

from incidesk.automation.why import decisions
from incidesk.incidents.models import Incident

register = template.Library()


@register.inclusion_tag("automation/_why.html")
def why_panel(incident: Incident) -> dict[str, Any]:
    """The routing and assignment decisions on `incident` (one query; nothing shown if none).
    Staff pages only: it names rules and agents."""
    return {"decisions": decisions(incident), "tags": incident.tags}
