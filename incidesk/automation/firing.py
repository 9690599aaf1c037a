"""Firing triggers in the worker: for each woken event, each listening trigger in order, in
its own transaction — take the (trigger, event) row (a second run stops there), lock the
incident, match the conditions on its facts, then act through the ordinary actions as the
system (`actor=None`), so every change has its timeline event, state-machine check and
notifications. The events the actions made are marked with the rule and the chain's depth,
and a `Decision` says what matched and what was done.

A scheduled trigger (`automation.scheduled`) fires the same way on the event that began the
state which has lasted long enough, so the (trigger, event) row makes it fire once per episode;
`holds` checks under the incident's lock that the episode is still the current one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from incidesk.automation import triggers
from incidesk.automation.conditions import facts_of, matches
from incidesk.automation.models import Decision, DecisionKind, Trigger, TriggeredEvent, TriggerRun
from incidesk.automation.rules import current
from incidesk.core.errors import DomainError
from incidesk.incidents.actions import (
    do_add_comment,
    do_add_tags,
    do_add_watcher,
    do_assign,
    do_notify,
    do_override_priority,
)
from incidesk.incidents.models import Incident, TimelineEvent, Visibility, WatcherSource
from incidesk.macros import placeholders


def fire(event_ids: list[int]) -> int:
    """Fire the listening triggers for each event; returns how many fired."""
    listening = current().triggers
    events = list(
        TimelineEvent.objects.filter(pk__in=event_ids).select_related("actor").order_by("pk")
    )
    depths = dict(
        TriggeredEvent.objects.filter(event_id__in=event_ids).values_list("event_id", "depth")
    )
    fired = 0
    for event in events:
        depth = depths.get(event.pk, 0)
        if depth >= triggers.MAX_DEPTH:
            continue
        for trigger in listening:
            if triggers.listens(trigger, event):
                fired += fire_once(trigger, event, depth)
    return fired


@transaction.atomic
def fire_once(
    trigger: Trigger,
    event: TimelineEvent,
    depth: int,
    holds: Callable[[Incident], bool] | None = None,
) -> bool:
    """One trigger on one event, at most once; whether it matched and acted. `holds`: a
    scheduled trigger's check, under the lock, that its state still lasts."""
    _run, new = TriggerRun.objects.get_or_create(trigger_id=trigger.pk, event_id=event.pk)
    if not new:
        return False
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("category", "reporter", "team")
        .get(pk=event.incident_id)
    )
    if holds is not None and not holds(incident):
        return False
    matched = matches(trigger.conditions, facts_of(incident))
    if matched is None:
        return False
    before = incident.events.aggregate(last=Max("pk"))["last"] or 0
    did, refused = _act(trigger, incident)
    made = list(incident.events.filter(pk__gt=before).values_list("pk", flat=True))
    TriggeredEvent.objects.bulk_create(
        [
            TriggeredEvent(event_id=pk, trigger=trigger, rule=trigger.name, depth=depth + 1)
            for pk in made
        ]
    )
    if not did and not refused:
        return False  # matched with nothing left to change: no record
    Decision.objects.create(
        incident=incident,
        kind=DecisionKind.TRIGGER,
        data={
            "trigger": trigger.pk,
            "name": trigger.name,
            "event": trigger.event,
            "event_id": event.pk,
            "depth": depth + 1,
            "matched": [m.as_json() for m in matched],
            "did": did,
            "refused": refused,
        },
    )
    return True


def _act(trigger: Trigger, incident: Incident) -> tuple[dict[str, Any], list[str]]:
    """The trigger's actions, each an action of its own: one refused (the state machine, a
    closed incident) is recorded in words and the others still run. Returns what was done."""
    did: dict[str, Any] = {}
    refused: list[str] = []
    for step in (_priority, _assignment, _tags, _watcher, _reply, _notice):
        try:
            incident = step(trigger, incident, did)
        except DomainError as error:
            refused.append(str(error))
    return did, refused


def _priority(trigger: Trigger, incident: Incident, did: dict[str, Any]) -> Incident:
    if trigger.priority is None or trigger.priority == incident.priority:
        return incident
    reason = gettext("By rule «%(rule)s»") % {"rule": trigger.name}
    incident = do_override_priority(incident, actor=None, priority=trigger.priority, reason=reason)
    did["priority"] = trigger.priority
    return incident


def _assignment(trigger: Trigger, incident: Incident, did: dict[str, Any]) -> Incident:
    """Move to the trigger's team and/or give to its agent or the (new) team's lead."""
    team = trigger.team or incident.team
    assignee = team.lead if trigger.assign_to_lead and team is not None else trigger.assignee
    moves = team is not None and team.pk != incident.team_id
    if not moves and (assignee is None or assignee.pk == incident.assignee_id):
        return incident
    incident = do_assign(incident, actor=None, team=team, assignee=assignee)
    did["team"] = team.name if team is not None else None
    did["assignee"] = assignee.display_name if assignee is not None else None
    return incident


def _reply(trigger: Trigger, incident: Incident, did: dict[str, Any]) -> Incident:
    """A public reply from the desk, its placeholders filled by the macros' sandbox."""
    if not trigger.customer_message.strip():
        return incident
    body = placeholders.render(trigger.customer_message, placeholders.Context.of(incident, None))
    do_add_comment(incident, actor=None, body=body, visibility=Visibility.PUBLIC)
    did["reply"] = True
    return incident


def _tags(trigger: Trigger, incident: Incident, did: dict[str, Any]) -> Incident:
    added = [tag for tag in trigger.tags if tag not in (incident.tags or [])]
    if not added:
        return incident
    incident = do_add_tags(incident, tags=added)
    did["tags"] = added
    return incident


def _watcher(trigger: Trigger, incident: Incident, did: dict[str, Any]) -> Incident:
    """Have the trigger's agent follow the incident (the desk's mail about it)."""
    person = trigger.watcher
    if person is None or incident.watchers.filter(person=person).exists():
        return incident
    do_add_watcher(incident, actor=None, person=person, source=WatcherSource.FOLLOW)
    did["watcher"] = person.display_name
    return incident


def _notice(trigger: Trigger, incident: Incident, did: dict[str, Any]) -> Incident:
    """A notice to the trigger's agent and/or team (its lead and active members), its
    placeholders filled by the macros' sandbox, delivered as every event's notifications."""
    if not trigger.notice.strip():
        return incident
    people = [trigger.notify_agent] if trigger.notify_agent is not None else []
    team = trigger.notify_team
    if team is not None:
        people += [team.lead] if team.lead is not None else []
        people += list(team.members.filter(is_active=True).order_by("pk"))
    text = placeholders.render(trigger.notice, placeholders.Context.of(incident, None))
    told = do_notify(incident, people=people, text=text)
    if told:
        did["notified"] = [person.display_name for person in told]
    return incident
