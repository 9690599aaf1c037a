"""The simulator: what a draft rule set would have done to the incidents of the last days.

Each incident registered in the window (newest first, at most `MAX_INCIDENTS`) is routed twice
with the same engine as registration (`routing.route` over `conditions.facts_of`): by the saved
active rules and by the draft, from the urgency the customer reported (a rule's suggested
priority changes the urgency; the routing decision kept the reported one). Then, in the order
the incidents arrived, each side's teams that assign automatically give it an agent with the
worker's own code (`assignment.candidate`, `assignment.pick`): each member's availability
(working hours, absence, substitute) and skills at the incident's registration time. "Least
loaded" counts, in memory, the incidents the simulation itself gave an agent that were still in
work then (until their real resolution, or their last change when they left work otherwise);
incidents assigned before the window are not counted.

The SLA effect: for an incident whose priority would change, its response and resolution
clocks (their real start, pauses and stop, or now if still running) are measured against the
target of each side's priority under the incident's policy (`sla.reference`), on the target's
calendar, as the clocks measure (`calendar.due_time`).

Nothing is written: a fixed number of reads (the incidents, the routing decisions, the rules,
the assigning teams with their members and skills, the clocks of reprioritised incidents),
whatever the window.

"Before" is the team the saved rules give, else the incident's own team; "after" the draft's,
else that same fallback (an incident the saved rules moved, and the draft does not, goes to the
desk's queue). An intake that chose a team itself (an agent registering in the console) kept it
in reality; the simulator assumes the rules decided.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import Prefetch
from django.utils import timezone

from incidesk.accounts.models import Team, User
from incidesk.automation.assignment import WORKING, candidate, pick, team_members
from incidesk.automation.conditions import facts_of
from incidesk.automation.models import (
    AssignmentMode,
    Decision,
    DecisionKind,
    RoutingRule,
    TeamAssignment,
)
from incidesk.automation.routing import Routed, route
from incidesk.incidents.models import Incident
from incidesk.sla import reference
from incidesk.sla.calendar import business_between, business_seconds, due_time
from incidesk.sla.models import ClockState, Metric, SlaClock, SlaTarget, read_pauses

DEFAULT_DAYS = 7
MAX_DAYS = 90
MAX_INCIDENTS = 5000
# Changed incidents listed one by one; the counts cover them all.
SHOWN_CHANGES = 50
# How often a long run reports how far it got (`progress`).
PROGRESS_EVERY = 250

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Change:
    """An incident the draft would send to another team ("" : the desk's queue), with the agent
    each side's automatic assignment would give it ("": nobody available, None: not assigned)."""

    number: str
    title: str
    before: str
    after: str
    before_agent: str | None = None
    after_agent: str | None = None


@dataclass(frozen=True)
class SlaChange:
    """An incident whose priority would change and, with it, which of its targets it would
    have missed: `breached_before` under the saved rules' priority, `breached_after` under the
    draft's (metric names, "response", "resolution")."""

    number: str
    title: str
    before_priority: int
    after_priority: int
    breached_before: list[str]
    breached_after: list[str]

    @property
    def worse(self) -> bool:
        return len(self.breached_after) > len(self.breached_before)

    @property
    def missed_before(self) -> str:
        return _labels(self.breached_before)

    @property
    def missed_after(self) -> str:
        return _labels(self.breached_after)


def _labels(metrics: list[str]) -> str:
    return ", ".join(str(Metric(metric).label) for metric in metrics)


@dataclass(frozen=True)
class Row:
    """A team, rule or agent with its count under the saved rules and under the draft."""

    name: str
    before: int
    after: int
    team: str = ""

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass
class Simulation:
    since: datetime
    examined: int = 0
    truncated: bool = False
    changed: int = 0
    changes: list[Change] = field(default_factory=list)
    teams: list[Row] = field(default_factory=list)
    rules: list[Row] = field(default_factory=list)
    agents: list[Row] = field(default_factory=list)
    # Incidents whose priority would change; of them, those that would miss more targets and
    # fewer; the ones that would miss a different number, listed.
    reprioritised: int = 0
    breached_more: int = 0
    breached_fewer: int = 0
    sla_changes: list[SlaChange] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The result as a background run stores it (`SimulationRun.result`)."""
        data = asdict(self)
        data["since"] = self.since.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Simulation:
        return cls(
            **{
                **data,
                "since": datetime.fromisoformat(data["since"]),
                "changes": [Change(**each) for each in data["changes"]],
                "teams": [Row(**each) for each in data["teams"]],
                "rules": [Row(**each) for each in data["rules"]],
                "agents": [Row(**each) for each in data["agents"]],
                "sla_changes": [SlaChange(**each) for each in data["sla_changes"]],
            }
        )


def active_rules() -> list[RoutingRule]:
    """The saved rule set as registration uses it: the active rules in order."""
    return list(RoutingRule.objects.filter(is_active=True).select_related("team"))


def with_draft(rule: RoutingRule) -> list[RoutingRule]:
    """The active rules with `rule` (unsaved values of a new or an existing rule) in place of its
    saved version, in order; left out when it is not active."""
    rules = [saved for saved in active_rules() if rule.pk is None or saved.pk != rule.pk]
    if rule.is_active:
        rules.append(rule)
    return sorted(rules, key=lambda r: (r.order, r.pk is None, r.pk or 0))


def window(days: int, now: datetime | None = None) -> datetime:
    """Where a simulation of the last `days` days begins."""
    return (now or timezone.now()) - timedelta(days=days)


def simulate(
    draft: list[RoutingRule],
    *,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Simulation:
    """Route the last `days` days' incidents by the saved rules and by `draft`; count teams,
    rules fired and automatic assignments per agent under each, and the SLA targets the changed
    priorities would have missed. Reads only; `progress(done, total)` is told as it goes."""
    now = now or timezone.now()
    since = window(days, now)
    found = list(
        Incident.objects.filter(created_at__gte=since)
        .select_related("reporter", "category", "team")
        .order_by("-created_at", "-id")[: MAX_INCIDENTS + 1]
    )
    result = Simulation(since=since, truncated=len(found) > MAX_INCIDENTS)
    incidents = found[:MAX_INCIDENTS][::-1]  # oldest first: assignment runs in arrival order
    result.examined = len(incidents)
    reported = _reported_urgencies(since)
    saved, ref = active_rules(), reference.current()
    squads = _assigning_teams()
    sides = {"before": _Assigner(squads), "after": _Assigner(squads)}
    teams: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    fired: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    reprioritised: list[tuple[Incident, int, int]] = []
    for done, incident in enumerate(incidents, 1):
        urgency = reported.get(incident.pk, incident.urgency)
        facts = facts_of(incident)
        now_routed = route(
            facts, impact=incident.impact, urgency=urgency, team=None, ref=ref, draft=saved
        )
        draft_routed = route(
            facts, impact=incident.impact, urgency=urgency, team=None, ref=ref, draft=draft
        )
        fallback = incident.team if now_routed.team is None else None
        before, after = now_routed.team or fallback, draft_routed.team or fallback
        agents = {}
        for side, team, routed in (("before", before, now_routed), ("after", after, draft_routed)):
            teams[side][team.name if team else ""] += 1
            fired[side].update(_fired(routed))
            agents[side] = sides[side].assign(incident, team)
        base = (
            ref.priority(incident.impact, urgency) if incident.pk in reported else incident.priority
        )
        priorities = (now_routed.priority or base, draft_routed.priority or base)
        if priorities[0] != priorities[1]:
            reprioritised.append((incident, *priorities))
        if _pk(before) != _pk(after):
            result.changed += 1
            if len(result.changes) < SHOWN_CHANGES:
                result.changes.append(
                    Change(
                        incident.number,
                        incident.title,
                        before.name if before else "",
                        after.name if after else "",
                        agents["before"],
                        agents["after"],
                    )
                )
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(incidents)):
            progress(done, len(incidents))
    result.teams = _rows(teams)
    result.rules = _rows(fired)
    turns = {side: assigner.turns for side, assigner in sides.items()}
    keys = sorted(turns["before"].keys() | turns["after"].keys())
    result.agents = [
        Row(agent, turns["before"][(team, agent)], turns["after"][(team, agent)], team=team)
        for team, agent in keys
    ]
    _sla_effect(result, reprioritised, ref, now)
    return result


def _reported_urgencies(since: datetime) -> dict[int, str]:
    """The urgency the customer reported, for the window's incidents whose urgency a rule's
    suggested priority changed (their routing decision kept it)."""
    found = Decision.objects.filter(
        kind=DecisionKind.ROUTING,
        incident__created_at__gte=since,
        data__priority__reported_urgency__isnull=False,
    ).values_list("incident_id", "data__priority__reported_urgency")
    return {incident_id: str(urgency) for incident_id, urgency in found}


def _fired(routed: Routed) -> list[str]:
    """The names of the rules that matched (the decision's record of them)."""
    return [str(rule["name"]) for rule in routed.data.get("rules", [])]


def _pk(team: Team | None) -> int | None:
    return team.pk if team is not None else None


def _rows(counts: dict[str, Counter[str]]) -> list[Row]:
    names = counts["before"].keys() | counts["after"].keys()
    rows = [Row(name, counts["before"][name], counts["after"][name]) for name in names]
    return sorted(rows, key=lambda row: (-max(row.before, row.after), row.name))


# --- automatic assignment, in memory ----------------------------------------------------------


@dataclass
class _Squad:
    """A team that assigns automatically, with its active members in id order."""

    config: TeamAssignment
    members: list[User]
    ids: set[int] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = {member.pk for member in self.members}


def _assigning_teams() -> dict[int, _Squad]:
    """The teams whose mode is not off, with their members and what `assignment.candidate`
    reads of them (a fixed number of reads)."""
    people = team_members(AssignmentMode.SKILLS).order_by("pk")
    configs = (
        TeamAssignment.objects.exclude(mode=AssignmentMode.OFF)
        .select_related("team", "calendar")
        .prefetch_related(Prefetch("team__members", queryset=people))
    )
    return {config.team_id: _Squad(config, list(config.team.members.all())) for config in configs}


def _left_work(incident: Incident) -> float:
    """When the incident stopped counting towards its assignee's load (a timestamp; infinity
    while still in work): resolved or closed, else its last change if it left work otherwise."""
    moment = incident.resolved_at or incident.closed_at
    if moment is None and incident.status not in WORKING:
        moment = incident.updated_at
    return moment.timestamp() if moment is not None else math.inf


class _Assigner:
    """One side's automatic assignment, run over the arrivals in order, as the worker would:
    each team's cursor starts before its first member; turns counted per (team, agent)."""

    def __init__(self, squads: dict[int, _Squad]) -> None:
        self.squads = squads
        self.cursors: dict[int, int] = {}
        self.turns: Counter[tuple[str, str]] = Counter()
        # Per agent, when each incident the simulation gave them leaves work (a heap).
        self.open: dict[int, list[float]] = defaultdict(list)

    def assign(self, incident: Incident, team: Team | None) -> str | None:
        """The agent `team` would give the incident ("": nobody available; None: the team does
        not assign automatically)."""
        squad = self.squads.get(team.pk) if team is not None else None
        if squad is None:
            return None
        config, at, ids = squad.config, incident.created_at, squad.ids
        candidates = [candidate(member, ids, config, incident, at) for member in squad.members]
        if config.mode == AssignmentMode.LEAST_LOADED:
            for each in candidates:
                each.load = self._load(each.agent.pk, at)
        turn = pick(config.mode, candidates, self.cursors.get(config.team_id))
        taker = turn.taker if turn is not None else None
        if turn is None or taker is None:
            self.turns[(config.team.name, "")] += 1
            return ""
        self.cursors[config.team_id] = turn.agent.pk
        self.turns[(config.team.name, taker.display_name)] += 1
        heapq.heappush(self.open[taker.pk], _left_work(incident))
        return taker.display_name

    def _load(self, agent_id: int, at: datetime) -> int:
        """The incidents given to the agent so far that were still in work at `at`."""
        heap, moment = self.open[agent_id], at.timestamp()
        while heap and heap[0] <= moment:
            heapq.heappop(heap)
        return len(heap)


# --- the SLA effect ---------------------------------------------------------------------------


def _sla_effect(
    result: Simulation,
    reprioritised: list[tuple[Incident, int, int]],
    ref: reference.Reference,
    now: datetime,
) -> None:
    """Which targets each reprioritised incident would have missed under either priority."""
    result.reprioritised = len(reprioritised)
    clocks: dict[int, list[_Clock]] = defaultdict(list)
    found = (
        SlaClock.objects.filter(incident_id__in=[incident.pk for incident, _b, _a in reprioritised])
        .exclude(state=ClockState.CANCELLED)
        .order_by("pk")
        .values_list(*_Clock._fields)
    )
    for row in found:  # tuples: a model instance per clock cost half the run
        clock = _Clock(*row)
        clocks[clock.incident_id].append(clock)
    for incident, before, after in reprioritised:
        policy = ref.policy(incident)
        if policy is None:
            continue
        missed = [
            [
                clock.metric
                for clock in clocks[incident.pk]
                if _breached(clock, ref.target(policy, priority, clock.metric), now)
            ]
            for priority in (before, after)
        ]
        if len(missed[0]) == len(missed[1]):
            continue
        change = SlaChange(incident.number, incident.title, before, after, *missed)
        if change.worse:
            result.breached_more += 1
        else:
            result.breached_fewer += 1
        if len(result.sla_changes) < SHOWN_CHANGES:
            result.sla_changes.append(change)


class _Clock(NamedTuple):
    """What the SLA effect reads of a clock (`SlaClock`'s columns)."""

    incident_id: int
    metric: str
    started_at: datetime
    stopped_at: datetime | None
    paused_since: datetime | None
    pauses: list[list[str]]


def _breached(clock: _Clock, target: SlaTarget | None, now: datetime) -> bool:
    """Whether the clock, as it really ran (its start, pauses, stop; still running: until now),
    would have passed `target`'s due time, measured on the target's calendar."""
    if target is None:
        return False
    end = clock.stopped_at or now
    paused = timedelta(seconds=business_seconds(read_pauses(clock.pauses), target.calendar))
    if clock.paused_since is not None:
        paused += business_between(clock.paused_since, end, target.calendar)
    return end > due_time(clock.started_at, target.amount, target.unit, paused, target.calendar)
