"""The simulator: what a draft rule set would have done to the incidents of the last days.

Each incident registered in the window (newest first, at most `MAX_INCIDENTS`) is routed twice
with the same engine as registration (`routing.route` over `conditions.facts_of`): by the saved
active rules and by the draft. Teams that assign round robin are then rotated in memory, in the
order the incidents arrived, with each member's availability at the incident's time
(`assignment.available`, `assignment.pick`). Nothing is written: a fixed number of reads (the
incidents, the rules, the round-robin teams with their members), whatever the window.

"Before" is the team the saved rules give, else the incident's own team; "after" the draft's,
else that same fallback (an incident the saved rules moved, and the draft does not, goes to the
desk's queue). An intake that chose a team itself (an agent registering in the console) kept it
in reality; the simulator assumes the rules decided.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from incidesk.accounts.models import STAFF_ROLES, Team, User
from incidesk.automation.assignment import available, pick
from incidesk.automation.conditions import facts_of
from incidesk.automation.models import AssignmentMode, RoutingRule, TeamAssignment
from incidesk.automation.routing import Routed, route
from incidesk.incidents.models import Incident
from incidesk.sla import reference

DEFAULT_DAYS = 7
MAX_DAYS = 90
MAX_INCIDENTS = 5000
# Changed incidents listed one by one; the counts cover them all.
SHOWN_CHANGES = 50


@dataclass(frozen=True)
class Change:
    """An incident the draft would send to another team ("" : the desk's queue)."""

    number: str
    title: str
    before: str
    after: str


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


def simulate(
    draft: list[RoutingRule], *, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> Simulation:
    """Route the last `days` days' incidents by the saved rules and by `draft`; count teams,
    rules fired and round-robin turns per agent under each. Reads only."""
    since = (now or timezone.now()) - timedelta(days=days)
    found = list(
        Incident.objects.filter(created_at__gte=since)
        .select_related("reporter", "category", "team")
        .order_by("-created_at", "-id")[: MAX_INCIDENTS + 1]
    )
    result = Simulation(since=since, truncated=len(found) > MAX_INCIDENTS)
    incidents = found[:MAX_INCIDENTS][::-1]  # oldest first: the rotation runs in arrival order
    result.examined = len(incidents)
    saved, ref = active_rules(), reference.current()
    teams: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    fired: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    arrivals: dict[str, list[tuple[Incident, Team | None]]] = {"before": [], "after": []}
    for incident in incidents:
        facts = facts_of(incident)
        now_routed = route(
            facts, impact=incident.impact, urgency=incident.urgency, team=None, ref=ref, draft=saved
        )
        draft_routed = route(
            facts, impact=incident.impact, urgency=incident.urgency, team=None, ref=ref, draft=draft
        )
        fallback = incident.team if now_routed.team is None else None
        before, after = now_routed.team or fallback, draft_routed.team or fallback
        for side, team, routed in (("before", before, now_routed), ("after", after, draft_routed)):
            teams[side][team.name if team else ""] += 1
            fired[side].update(_fired(routed))
            arrivals[side].append((incident, team))
        if _pk(before) != _pk(after):
            result.changed += 1
            if len(result.changes) < SHOWN_CHANGES:
                result.changes.append(
                    Change(
                        incident.number,
                        incident.title,
                        before.name if before else "",
                        after.name if after else "",
                    )
                )
    result.teams = _rows(teams)
    result.rules = _rows(fired)
    rotations = _round_robin()
    turns = {side: _rotate(rotations, arrivals[side]) for side in ("before", "after")}
    keys = sorted(turns["before"].keys() | turns["after"].keys())
    result.agents = [
        Row(agent, turns["before"][(team, agent)], turns["after"][(team, agent)], team=team)
        for team, agent in keys
    ]
    return result


def _fired(routed: Routed) -> list[str]:
    """The names of the rules that matched (the decision's record of them)."""
    return [str(rule["name"]) for rule in routed.data.get("rules", [])]


def _pk(team: Team | None) -> int | None:
    return team.pk if team is not None else None


def _rows(counts: dict[str, Counter[str]]) -> list[Row]:
    names = counts["before"].keys() | counts["after"].keys()
    rows = [Row(name, counts["before"][name], counts["after"][name]) for name in names]
    return sorted(rows, key=lambda row: (-max(row.before, row.after), row.name))


@dataclass
class _Rotation:
    config: TeamAssignment
    members: list[User]


def _round_robin() -> dict[int, _Rotation]:
    """The teams that assign round robin, with their active members in id order (two reads)."""
    people = (
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .select_related(
            "availability__calendar", "availability__substitute__availability__calendar"
        )
        .order_by("pk")
    )
    configs = TeamAssignment.objects.filter(mode=AssignmentMode.ROUND_ROBIN).select_related(
        "team", "calendar"
    )
    found = configs.prefetch_related(Prefetch("team__members", queryset=people))
    return {config.team_id: _Rotation(config, list(config.team.members.all())) for config in found}


def _rotate(
    rotations: dict[int, _Rotation], arrivals: list[tuple[Incident, Team | None]]
) -> Counter[tuple[str, str]]:
    """Give each arrival at a round-robin team the next available agent, as the worker would,
    starting from the first member; turns counted per (team, agent)."""
    cursors: dict[int, int | None] = {}
    turns: Counter[tuple[str, str]] = Counter()
    for incident, team in arrivals:
        rotation = rotations.get(team.pk) if team is not None else None
        if rotation is None:
            continue
        ids = {member.pk for member in rotation.members}
        candidates = [
            available(member, ids, rotation.config.calendar, incident.created_at)
            for member in rotation.members
        ]
        turn = pick(AssignmentMode.ROUND_ROBIN, candidates, cursors.get(rotation.config.team_id))
        taker = turn.taker if turn is not None else None
        if turn is None or taker is None:
            turns[(rotation.config.team.name, "")] += 1
            continue
        cursors[rotation.config.team_id] = turn.agent.pk
        turns[(rotation.config.team.name, taker.display_name)] += 1
    return turns
