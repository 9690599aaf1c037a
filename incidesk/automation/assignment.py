"""Automatic assignment: which available agent of the incident's team gets it.

Runs in the task worker (`tasks.auto_assign`, promised by registration), never in the request.
One transaction per incident: the team's `TeamAssignment` row is locked first (`SELECT … FOR
UPDATE`: the cursor of round robin; assignments to one team wait for each other, so none reads
a cursor another is about to move and no agent's turn is lost), then the incident (still new and
unassigned, or nothing happens: never assigned twice). The agent is given through
`actions.do_assign` by the system, so the timeline, rights and notifications are the usual
ones; the decision and every agent passed over, with the reason, are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from incidesk.accounts.models import STAFF_ROLES, User
from incidesk.automation.models import (
    AgentAvailability,
    AssignmentMode,
    Decision,
    DecisionKind,
    TeamAssignment,
)
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.sla.calendar import is_working_time
from incidesk.sla.models import BusinessCalendar

# Incidents whose clocks run: the load "least loaded" counts (on hold and after, they wait).
WORKING = (Status.NEW, Status.IN_PROGRESS)


@dataclass
class Candidate:
    """A team member in turn order: why they cannot take the incident (`skipped`: "away",
    "outside_hours"; empty when available), who stands in for them, their load and skill."""

    agent: User
    skipped: str = ""
    substitute: User | None = None
    load: int = 0
    skill: int = 0

    @property
    def taker(self) -> User | None:
        """Who takes this candidate's turn: themself, their available substitute, or nobody."""
        return self.substitute if self.skipped == "away" else (None if self.skipped else self.agent)


def assign(incident_id: int, *, at: datetime | None = None) -> User | None:
    """Assign the incident if its team assigns automatically; the agent given, or None."""
    at = at or timezone.now()
    with transaction.atomic():
        team_id = Incident.objects.filter(pk=incident_id).values_list("team_id", flat=True).first()
        if team_id is None:
            return None
        config = (
            TeamAssignment.objects.select_for_update(of=("self",))
            .select_related("team", "calendar")
            .filter(team_id=team_id)
            .first()
        )
        if config is None or config.mode == AssignmentMode.OFF:
            return None
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("reporter", "category")
            .get(pk=incident_id)
        )
        if (
            incident.assignee_id is not None
            or incident.status != Status.NEW
            or incident.team_id != config.team_id
        ):
            return None
        candidates = _candidates(config, incident, at)
        turn = pick(config.mode, candidates, config.last_agent_id)
        taker = turn.taker if turn is not None else None
        Decision.objects.create(
            incident=incident,
            kind=DecisionKind.ASSIGNMENT,
            at=at,
            data=_story(config, candidates, turn),
        )
        if turn is None or taker is None:
            return None
        actions.do_assign(incident, actor=None, assignee=taker)
        config.last_agent = turn.agent
        config.save(update_fields=["last_agent"])
        return taker


def pick(mode: str, candidates: list[Candidate], cursor: int | None) -> Candidate | None:
    """Whose turn it is among `candidates` (in id order), after the agent at `cursor`: round
    robin takes the next one who can take it; least loaded the lightest of those, and by skills
    the most skilled, each with ties in round-robin order."""
    if not candidates:
        return None
    start = next((i for i, c in enumerate(candidates) if c.agent.pk > (cursor or 0)), 0)
    ordered = [c for c in candidates[start:] + candidates[:start] if c.taker is not None]
    if not ordered:
        return None
    if mode == AssignmentMode.LEAST_LOADED:
        return min(ordered, key=lambda c: c.load)
    if mode == AssignmentMode.SKILLS:
        return max(ordered, key=lambda c: c.skill)
    return ordered[0]


def _candidates(config: TeamAssignment, incident: Incident, at: datetime) -> list[Candidate]:
    """The team's active agents in id order, with their availability at `at`."""
    members = list(team_members(config.mode).filter(teams=config.team).order_by("pk"))
    ids = {member.pk for member in members}
    candidates = [candidate(member, ids, config, incident, at) for member in members]
    if config.mode == AssignmentMode.LEAST_LOADED:
        loads = dict(
            Incident.objects.filter(assignee_id__in=ids, status__in=WORKING)
            .values("assignee_id")
            .annotate(n=Count("id"))
            .values_list("assignee_id", "n")
        )
        for each in candidates:
            each.load = loads.get(each.agent.pk, 0)
    return candidates


def team_members(mode: str) -> QuerySet[User]:
    """Active desk staff with what `candidate` reads of them (their availability, calendar,
    substitute and, for assignment by skills, their skills), for the worker and the simulator."""
    people = User.objects.filter(is_active=True, role__in=STAFF_ROLES).select_related(
        "availability__calendar", "availability__substitute__availability__calendar"
    )
    if mode == AssignmentMode.SKILLS:
        people = people.prefetch_related("availability__categories", "availability__services")
    return people


def candidate(
    member: User, team_ids: set[int], config: TeamAssignment, incident: Incident, at: datetime
) -> Candidate:
    """A member of the team `config` assigns for, as a candidate for `incident` at `at`: their
    availability and, by skills, their skill; the load is the caller's (the worker counts it in
    the database, the simulator in memory)."""
    found = available(member, team_ids, config.calendar, at)
    if config.mode == AssignmentMode.SKILLS:
        found.skill = _skill(_availability(member), incident)
    return found


def available(
    member: User, team_ids: set[int], team_calendar: BusinessCalendar | None, at: datetime
) -> Candidate:
    """A team member as a candidate at `at`: why they cannot take it, and who among the team
    (`team_ids`) stands in when they are away. Reads nothing that was not loaded with them (their
    availability, calendar, substitute), so the simulator can run it over past moments."""
    own = _availability(member)
    candidate = Candidate(member, skipped=_skipped(own, team_calendar, at))
    if candidate.skipped == "away" and own is not None and own.substitute is not None:
        standing_in = own.substitute
        if standing_in.pk in team_ids and not _skipped(
            _availability(standing_in), team_calendar, at
        ):
            candidate.substitute = standing_in
    return candidate


def _availability(person: User) -> AgentAvailability | None:
    try:
        return person.availability
    except AgentAvailability.DoesNotExist:
        return None


def _skipped(
    own: AgentAvailability | None, team_calendar: BusinessCalendar | None, at: datetime
) -> str:
    """Why the agent cannot take an incident at `at` ("" if they can)."""
    if own is not None and own.is_away(at):
        return "away"
    calendar = own.calendar if own is not None and own.calendar is not None else team_calendar
    if calendar is not None and not is_working_time(at, calendar):
        return "outside_hours"
    return ""


def _skill(own: AgentAvailability | None, incident: Incident) -> int:
    """How many of the incident's category, service and reporter's language the agent knows."""
    if own is None:
        return 0
    categories = {c.pk for c in own.categories.all()}
    category = {incident.category_id, incident.category.parent_id if incident.category else None}
    reporter = incident.reporter
    return (
        bool(categories & (category - {None}))
        + (incident.service_id in {s.pk for s in own.services.all()})
        + (reporter is not None and reporter.language in own.languages)
    )


def _story(
    config: TeamAssignment, candidates: list[Candidate], turn: Candidate | None
) -> dict[str, Any]:
    """The decision as the console and API tell it: every member, and why they were passed."""
    taker = turn.taker if turn is not None else None
    return {
        "team": config.team.name,
        "mode": config.mode,
        "candidates": [
            {
                "agent": c.agent.display_name,
                "skipped": c.skipped,
                "substitute": c.substitute.display_name if c.substitute else None,
                "load": c.load,
                "skill": c.skill,
            }
            for c in candidates
        ],
        "assignee": taker.display_name if taker is not None else None,
        "turn_of": turn.agent.display_name if turn is not None else None,
    }
