"""Who is told about which timeline event. One table of rules, read by the delivery task."""

from __future__ import annotations

from django.db.models import Prefetch

from incidesk.accounts.models import User
from incidesk.incidents.models import EventKind, Incident, TimelineEvent, Watcher

# For the delivery's events: every incident's watchers with their users in one query, instead
# of one per event and rule (a backlog of SLA checks delivers a thousand events at once).
WATCHERS = Prefetch("incident__watchers", queryset=Watcher.objects.select_related("person"))


def _reporter(incident: Incident) -> list[User]:
    return [incident.reporter] if incident.reporter is not None else []


def _watchers(incident: Incident) -> tuple[list[User], list[User]]:
    """The incident's watchers: (customers, who hear what the reporter hears; agents who
    follow it, who hear what its desk owner hears). The delivery prefetched them (`WATCHERS`)."""
    people = [w.person for w in incident.watchers.all()]
    return (
        [p for p in people if not p.is_desk_staff],
        [p for p in people if p.is_desk_staff],
    )


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
    """The people to tell about `event`, never its own actor. Customers (the reporter and the
    customers watching) only hear of public events; the desk (the owner and the agents
    following) hears of what customers do, of assignments and of service-level alerts."""
    incident = event.incident
    people: list[User] = []
    watching, following = _watchers(incident)
    actor_is_customer = event.actor is not None and event.actor.is_customer
    # The system's move after the reporter's answer is the reporter's doing, not news to them.
    answered = event.data.get("answered", False)
    customers_doing = actor_is_customer or answered
    reporters_doing = answered or (
        event.actor_id is not None and event.actor_id == incident.reporter_id
    )
    if event.is_public and not reporters_doing:
        # What the desk, the system or a watcher did (a watcher's reply is news to the reporter).
        people += _reporter(incident)
    if event.is_public:
        # Watchers hear the reporter's doings too (never their own: the actor is dropped).
        people += watching
    if customers_doing and event.kind != EventKind.CREATED:
        people += _desk_owner(incident) + following
    if event.kind == EventKind.CREATED:
        people += _desk_owner(incident)
    if event.kind == EventKind.ASSIGNED and incident.assignee is not None:
        people.append(incident.assignee)
    if event.kind == EventKind.NOTIFIED:  # a trigger's notice names its staff
        people += list(User.objects.filter(email__in=event.data.get("to", [])))
    sla = _sla_audience(event)
    people += sla + (following if sla else [])
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
