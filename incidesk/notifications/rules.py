"""Who is told about which timeline event. One table of rules, read by the delivery task."""

from __future__ import annotations

from incidesk.accounts.models import User
from incidesk.incidents.models import EventKind, Incident, TimelineEvent


def _reporter(incident: Incident) -> list[User]:
    return [incident.reporter] if incident.reporter is not None else []


def _desk_owner(incident: Incident) -> list[User]:
    """The assignee, or the team lead while nobody is assigned."""
    if incident.assignee is not None:
        return [incident.assignee]
    return _team_lead(incident)


# From this warning threshold on, the team lead hears of SLA warnings too (and always of breaches
# and escalations): the assignee alone at first, hierarchical escalation after.
LEAD_FROM_THRESHOLD = 75


def _team_lead(incident: Incident) -> list[User]:
    team = incident.team
    return [team.lead] if team is not None and team.lead is not None else []


def _sla_audience(event: TimelineEvent) -> list[User]:
    incident = event.incident
    if event.kind == EventKind.SLA_WARNING:
        lead = event.data["threshold"] >= LEAD_FROM_THRESHOLD
        return _desk_owner(incident) + (_team_lead(incident) if lead else [])
    if event.kind in (EventKind.SLA_BREACHED, EventKind.ESCALATED):
        return _desk_owner(incident) + _team_lead(incident)
    return []


def recipients(event: TimelineEvent) -> list[User]:
    """The people to tell about `event`, never its own actor. Customers only hear of public
    events; the desk hears of what customers do and of assignments."""
    incident = event.incident
    people: list[User] = []
    actor_is_customer = event.actor is not None and event.actor.is_customer
    # The system's move after the customer's answer is the customer's doing, not news to them.
    customers_doing = actor_is_customer or event.data.get("answered", False)
    if event.is_public and not customers_doing:
        people += _reporter(incident)
    if customers_doing and event.kind != EventKind.CREATED:
        people += _desk_owner(incident)
    if event.kind == EventKind.CREATED:
        people += _desk_owner(incident)
    if event.kind == EventKind.ASSIGNED and incident.assignee is not None:
        people.append(incident.assignee)
    people += _sla_audience(event)
    unique = {person.pk: person for person in people if person.is_active}
    if event.actor_id is not None:
        unique.pop(event.actor_id, None)
    return list(unique.values())


def email_recipients(event: TimelineEvent) -> list[User]:
    """Who gets an e-mail about `event`: the same people, plus the reporter of a new incident
    even when they registered it themselves (the acknowledgement carries the number and the
    expected response time; the in-app list need not echo their own action)."""
    people = recipients(event)
    if event.kind == EventKind.CREATED:
        known = {person.pk for person in people}
        people += [p for p in _reporter(event.incident) if p.is_active and p.pk not in known]
    return people
