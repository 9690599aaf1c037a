"""What the timeline tests share: an incident whose story holds every kind of coded event, and
the scan that finds an internal code (a reference entry's code, a team's slug) in rendered
text."""

from __future__ import annotations

import re

from django.utils import translation

from incidesk.accounts.models import Team, User
from incidesk.catalog.models import Category, Cause, HoldReason, ResolutionCode, Service
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, Visibility

CODED = (HoldReason, ResolutionCode, Cause, Category, Service)


def coded_story(customer: User, agent: User, team: Team) -> Incident:
    """Registered, assigned, put on hold for a supplier, resumed, reclassified, asked for
    details and answered by the customer, resolved as fixed: every event that stores a code."""
    incident = actions.do_create_incident(actor=customer, title="Не печатает принтер")
    incident = actions.do_assign(incident, actor=agent, team=team, assignee=agent)
    incident = actions.do_hold(
        incident, actor=agent, reason=HoldReason.objects.get(code="awaiting_vendor")
    )
    incident = actions.do_resume(incident, actor=agent)
    incident = actions.do_update_incident(
        incident,
        actor=agent,
        category=Category.objects.filter(parent__isnull=False).first(),
        service=Service.objects.get(code="printing"),
        cause=Cause.objects.get(code="hardware_failure"),
        impact="high",
    )
    incident = actions.do_request_info(incident, actor=agent, message="Какая модель принтера?")
    actions.do_add_comment(
        incident, actor=customer, body="HP LaserJet 1020", visibility=Visibility.PUBLIC
    )
    incident.refresh_from_db()
    if incident.status == "on_hold":
        incident = actions.do_resume(incident, actor=agent)
    return actions.do_resolve(
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Заменили картридж.",
    )


def internal_codes(text: str, language: str) -> list[str]:
    """Every internal code found as a word of `text` once the entries' names in `language`
    (as written, or lower-cased after a colon) are taken out: "fixed" is a code, "Fixed" or
    "Resolved: fixed" its name."""
    with translation.override(language):
        entries = [(e.code, e.name) for model in CODED for e in model.objects.all()]
    entries += list(Team.objects.values_list("code", "name"))
    # The names themselves may hold a code as a word ("Remote access (VPN)"): they go first.
    for _code, name in sorted(entries, key=lambda entry: -len(entry[1])):
        text = text.replace(name, " ").replace(name.lower(), " ")
    return [
        code for code, _name in entries if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)
    ]


def timeline_text(html: str, testid: str = "timeline") -> str:
    """The text of the rendered timeline list, tags dropped."""
    start = html.index(f'data-testid="{testid}"')
    end = html.index("</ol>", start)
    return re.sub(r"<[^>]+>", " ", html[start:end])
