"""One function per problem event kind, called only from `problems.actions` inside its
transaction, so an event exists exactly when its change does."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from incidesk.accounts.models import User
from incidesk.problems.models import PreventiveAction, Problem, ProblemEvent, ProblemEventKind


def _record(problem: Problem, kind: ProblemEventKind, actor: User | None, **data: Any):
    return ProblemEvent.objects.create(
        problem=problem, kind=kind, actor=actor, at=timezone.now(), data=data
    )


def record_created(*, problem: Problem, actor: User) -> ProblemEvent:
    return _record(problem, ProblemEventKind.CREATED, actor)


def record_field_changed(
    *, problem: Problem, actor: User, field: str, old: Any, new: Any
) -> ProblemEvent:
    return _record(problem, ProblemEventKind.FIELD_CHANGED, actor, field=field, old=old, new=new)


def record_status_changed(
    *, problem: Problem, actor: User, old: str, new: str, **details: Any
) -> ProblemEvent:
    return _record(problem, ProblemEventKind.STATUS_CHANGED, actor, old=old, new=new, **details)


def record_incident_linked(*, problem: Problem, actor: User, incident: str) -> ProblemEvent:
    return _record(problem, ProblemEventKind.INCIDENT_LINKED, actor, incident=incident)


def record_incident_unlinked(*, problem: Problem, actor: User, incident: str) -> ProblemEvent:
    return _record(problem, ProblemEventKind.INCIDENT_UNLINKED, actor, incident=incident)


def record_action_added(*, problem: Problem, actor: User, action: PreventiveAction) -> ProblemEvent:
    return _record(
        problem,
        ProblemEventKind.ACTION_ADDED,
        actor,
        action_id=action.pk,
        title=action.title,
        owner=action.owner.email,
        due_date=action.due_date.isoformat() if action.due_date else None,
    )


def record_action_done(
    *, problem: Problem, actor: User, action: PreventiveAction, done: bool
) -> ProblemEvent:
    kind = ProblemEventKind.ACTION_DONE if done else ProblemEventKind.ACTION_REOPENED
    return _record(problem, kind, actor, action_id=action.pk, title=action.title)
