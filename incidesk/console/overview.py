"""The lead's overview: open incidents by team and priority, SLA risk per team and the workload
of every agent, summed from one grouped count over the open incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from incidesk.accounts.models import STAFF_ROLES, Team, User
from incidesk.console import queues
from incidesk.console.views import Row
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.web.access import manager_required, signed_in


@dataclass(frozen=True)
class Load:
    """A staff member's open, on-hold and escalated assignments."""

    person: User
    open: int = 0
    on_hold: int = 0
    breached: int = 0


@dataclass
class TeamRisk:
    """A team's open incidents past their resolution time, and those about to be."""

    team: str
    breached: int = 0
    breaching: int = 0


PRIORITIES = list(range(1, 6))


def _open_groups(open_incidents: QuerySet[Incident], now: datetime) -> QuerySet[Incident, Any]:
    """The open incidents counted by (status, team, priority, assignee), with how many are
        overdue, breaching soon and escalated: one pass over the covering index `inc_overview`,
        read in its own order, which both the matrix and the workload are summed from. Counted
    by `status` (never null), not `id`: `id` is not in the index for PostgreSQL to read."""
    return (
        open_incidents.values("status", "team", "priority", "assignee")
        .annotate(
            n=Count("status"),
            breached=Count("status", filter=queues.overdue(now)),
            breaching=Count("status", filter=queues.breaching(now)),
            escalated=Count("status", filter=Q(escalated=True)),
        )
        .order_by("status", "team", "priority", "assignee")
    )


def _matrix(
    groups: list[dict[str, Any]],
) -> tuple[list[tuple[str, list[int], int]], list[TeamRisk]]:
    """Open incidents by team name and priority, and each team's SLA risk."""
    names = dict(Team.objects.filter(pk__in={g["team"] for g in groups}).values_list("pk", "name"))
    teams: dict[str, dict[int, int]] = {}
    at_stake: dict[str, TeamRisk] = {}
    for group in groups:
        team = names.get(group["team"], "")
        by_priority = teams.setdefault(team, {})
        by_priority[group["priority"]] = by_priority.get(group["priority"], 0) + group["n"]
        stake = at_stake.setdefault(team, TeamRisk(team))
        stake.breached += group["breached"]
        stake.breaching += group["breaching"]
    matrix = [
        (team, [by_priority.get(p, 0) for p in PRIORITIES], sum(by_priority.values()))
        for team, by_priority in sorted(teams.items(), key=lambda item: (not item[0], item[0]))
    ]
    risk = sorted(
        (row for row in at_stake.values() if row.breached or row.breaching),
        key=lambda row: (-row.breached, -row.breaching, row.team),
    )
    return matrix, risk


def _workload(groups: list[dict[str, Any]]) -> list[Load]:
    """Every active staff member with their open, on-hold and escalated assignments."""
    counts: dict[int, list[int]] = {}
    for group in groups:
        if group["assignee"] is None:
            continue
        load = counts.setdefault(group["assignee"], [0, 0, 0])
        load[0] += group["n"]
        load[1] += group["n"] if group["status"] == Status.ON_HOLD else 0
        load[2] += group["escalated"]
    loads = [
        Load(person, *counts.get(person.pk, (0, 0, 0)))
        for person in User.objects.filter(role__in=STAFF_ROLES, is_active=True)
    ]
    return sorted(loads, key=lambda load: (-load.open, load.person.full_name, load.person.email))


@manager_required
def lead(request: HttpRequest) -> HttpResponse:
    """Open incidents by priority and team, SLA risk per team, workload per agent: one grouped
    count over the open incidents."""
    user, now = signed_in(request), timezone.now()
    open_incidents = queues.queue_incidents(user, "open", now)
    groups = list(_open_groups(open_incidents, now))
    matrix, risk = _matrix(groups)
    totals = [sum(row[1][i] for row in matrix) for i in range(len(PRIORITIES))]
    workload = _workload(groups)
    # Walked along the resolution due-time index, stopping at the twentieth match.
    at_risk = list(
        open_incidents.filter(queues.overdue(now) | queues.breaching(now))
        .filter(resolution_due_at__isnull=False)
        .select_related("team", "assignee")
        .order_by("resolution_due_at", "id")[:20]
    )
    return render(
        request,
        "console/lead.html",
        {
            "priorities": PRIORITIES,
            "matrix": matrix,
            "totals": totals,
            "total": sum(totals),
            "risk": risk,
            "workload": workload,
            "at_risk": [
                Row(i, "breached" if queues.is_overdue(i, now) else "warning") for i in at_risk
            ],
        },
    )
