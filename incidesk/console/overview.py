"""The lead's overview: open incidents by team and priority, SLA risk per team and the workload
of every agent, as SQL aggregates over the open incidents."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from incidesk.accounts.models import STAFF_ROLES, User
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


def _workload(open_incidents: QuerySet[Incident]) -> list[Load]:
    """Every active staff member with their open, on-hold and escalated assignments: one
    grouped count over the open incidents (not a join over everything they ever had)."""
    counts: dict[int, tuple[int, int, int]] = {
        row["assignee"]: (row["open"], row["on_hold"], row["breached"])
        for row in open_incidents.filter(assignee__isnull=False)
        .values("assignee")
        .annotate(
            open=Count("id"),
            on_hold=Count("id", filter=Q(status=Status.ON_HOLD)),
            breached=Count("id", filter=Q(escalated=True)),
        )
        .order_by()
    }
    loads = [
        Load(person, *counts.get(person.pk, (0, 0, 0)))
        for person in User.objects.filter(role__in=STAFF_ROLES, is_active=True)
    ]
    return sorted(loads, key=lambda load: (-load.open, load.person.full_name, load.person.email))


@manager_required
def lead(request: HttpRequest) -> HttpResponse:
    """Open incidents by priority and team, SLA risk per team, workload per agent: SQL
    aggregates over the open incidents."""
    user, now = signed_in(request), timezone.now()
    open_incidents = queues.queue_incidents(user, "open", now)
    # One pass over the open incidents gives both the team x priority matrix and each team's
    # SLA risk; the few resulting cells are then summed per team.
    cells = open_incidents.values("team__name", "priority").annotate(
        n=Count("id"),
        breached=Count("id", filter=queues.overdue(now)),
        breaching=Count("id", filter=queues.breaching(now)),
    )
    teams: dict[str, dict[int, int]] = {}
    at_stake: dict[str, TeamRisk] = {}
    for cell in cells:
        team = cell["team__name"] or ""
        teams.setdefault(team, {})[cell["priority"]] = cell["n"]
        stake = at_stake.setdefault(team, TeamRisk(team))
        stake.breached += cell["breached"]
        stake.breaching += cell["breaching"]
    priorities = list(range(1, 6))
    matrix = [
        (team, [by_priority.get(p, 0) for p in priorities], sum(by_priority.values()))
        for team, by_priority in sorted(teams.items(), key=lambda item: (not item[0], item[0]))
    ]
    totals = [sum(row[1][i] for row in matrix) for i in range(len(priorities))]
    risk = sorted(
        (row for row in at_stake.values() if row.breached or row.breaching),
        key=lambda row: (-row.breached, -row.breaching, row.team),
    )
    workload = _workload(open_incidents)
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
            "priorities": priorities,
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
