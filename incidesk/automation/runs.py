"""Simulations too large for the request: the console stores the draft rule's values in a
`SimulationRun`, the worker runs it (`tasks.run_simulation`) and the page polls for progress
and the result. A window with at most `INLINE_LIMIT` incidents is simulated in the request.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from incidesk.accounts.models import Team, User
from incidesk.automation.models import RoutingRule, SimulationRun, SimulationStatus
from incidesk.automation.simulator import Simulation, simulate, window, with_draft
from incidesk.core.promises import promise
from incidesk.incidents.models import Incident

# Incidents a request simulates itself (a second or so); more go to the worker.
INLINE_LIMIT = 1000
# The fields of a draft rule the run keeps (the rule may be new, or edited and unsaved).
DRAFT_FIELDS = ("name", "order", "is_active", "conditions", "priority", "tags", "continue_matching")


def inline(days: int) -> bool:
    """Whether the window is small enough to simulate in the request (one COUNT)."""
    return Incident.objects.filter(created_at__gte=window(days)).count() <= INLINE_LIMIT


def start(rule: RoutingRule, *, days: int, by: User) -> SimulationRun:
    """Store the draft and promise its run to the worker."""
    from incidesk.automation.tasks import run_simulation  # the task module imports this one

    draft: dict[str, Any] = {name: getattr(rule, name) for name in DRAFT_FIELDS}
    draft |= {"pk": rule.pk, "team": rule.team_id}
    with transaction.atomic():
        run = SimulationRun.objects.create(requested_by=by, days=days, draft=draft)
        promise(run_simulation, run.pk)
    return run


def draft_rule(draft: dict[str, Any]) -> RoutingRule:
    """The unsaved rule a run stored, its team loaded (routing reads `rule.team`)."""
    fields = {name: draft[name] for name in DRAFT_FIELDS}
    rule = RoutingRule(pk=draft["pk"], **fields)
    rule.team = Team.objects.filter(pk=draft["team"]).first() if draft["team"] else None
    return rule


def run(run_id: int) -> None:
    """Run a stored simulation, telling the row how far it got; a finished run is left as it
    is (the task may be handed out twice)."""
    found = SimulationRun.objects.filter(pk=run_id).exclude(status=SimulationStatus.DONE).first()
    if found is None:
        return
    rows = SimulationRun.objects.filter(pk=run_id)
    rows.update(status=SimulationStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        rows.update(done=done, total=total)

    try:
        result = simulate(with_draft(draft_rule(found.draft)), days=found.days, progress=progress)
    except Exception:
        rows.update(status=SimulationStatus.FAILED, finished_at=timezone.now())
        raise
    rows.update(status=SimulationStatus.DONE, result=result.as_json(), finished_at=timezone.now())


def result_of(found: SimulationRun) -> Simulation | None:
    return Simulation.from_json(found.result) if found.result is not None else None
