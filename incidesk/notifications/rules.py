"""Who is told about which timeline event. One table of rules, read by the delivery task."""

from __future__ import annotations

from incidesk.accounts.models import User
from incidesk.incidents.models import EventKind, Incident, TimelineEvent


def _reporter(incident: Incident) -> list[User]:
    return [incident.reporter] if incident.reporter_id else []


def _desk_owner(incident: Incident) -> list[User]:
    """The assignee, or the team lead while nobody is assigned."""
    if incident.assignee_id:
        return [incident.assignee]
    if incident.team_id and incident.team.lead_id:
        return [incident.team.lead]
    return []


def recipients(event: TimelineEvent) -> list[User]:
    """The people to tell about `event`, never its own actor. Customers only hear of public
    events; the desk hears of what customers do and of assignments."""
    incident = event.incident
    people: list[User] = []
    actor_is_customer = event.actor is not None and event.actor.is_customer
    if event.is_public and not actor_is_customer:
        people += _reporter(incident)
    if actor_is_customer and event.kind != EventKind.CREATED:
        people += _desk_owner(incident)
    if event.kind == EventKind.CREATED:
        people += _desk_owner(incident)
    if event.kind == EventKind.ASSIGNED and incident.assignee_id:
        people.append(incident.assignee)
    unique = {person.pk: person for person in people if person.is_active}
    unique.pop(event.actor_id, None)
    return list(unique.values())
