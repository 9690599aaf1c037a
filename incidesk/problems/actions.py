"""Every change to a problem, one function per verb.

Each action locks the problem row, checks the state machine (`problems.status`) and the actor's
rights, writes the change and its history event in one transaction. What changes incidents
(linking, resolving them with the problem) goes through `incidents.actions`, so their timeline,
SLA clocks and notifications work exactly as for any other change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.accounts.models import User
from incidesk.catalog.models import Category, Cause, ResolutionCode, Service
from incidesk.core.errors import Forbidden, InvalidInput, InvalidTransition
from incidesk.core.text import MAX_TITLE_LENGTH, checked_line, checked_text
from incidesk.incidents import actions as incident_actions
from incidesk.incidents.access import visible_to
from incidesk.incidents.models import Incident
from incidesk.incidents.numbering import next_number
from incidesk.incidents.status import OPEN_STATUSES
from incidesk.problems import history
from incidesk.problems.models import PreventiveAction, Problem
from incidesk.problems.status import LIFECYCLE, VERBS, ProblemStatus

PREFIX = "PRB"
EDITABLE_FIELDS = (
    "title",
    "description",
    "root_cause",
    "workaround",
    "owner",
    "category",
    "service",
)
_TEXT_FIELDS = ("description", "root_cause", "workaround")


def _require_staff(actor: User) -> None:
    if not actor.is_desk_staff:
        raise Forbidden(_("Only support staff may work with problems."))


def _check_owner(field: str, owner: User | None) -> User | None:
    if owner is not None and not (owner.is_desk_staff and owner.is_active):
        raise InvalidInput.field(field, _("The owner must be an active member of the desk."))
    return owner


def _lock(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().get(pk=problem.pk)


def _touch(problem: Problem, fields: list[str]) -> None:
    problem.updated_at = timezone.now()
    problem.save(update_fields=[*fields, "updated_at"])


def _not_closed(problem: Problem) -> None:
    if problem.status == ProblemStatus.CLOSED:
        raise InvalidTransition(
            _("Problem %(number)s is closed.") % {"number": problem.number},
            extra={"status": problem.status, "allowed": []},
        )


def _authorise(verb_name: str, problem: Problem, actor: User) -> None:
    """Refuse a verb the state machine does not allow now, or the actor may not use."""
    LIFECYCLE.authorise(verb_name, problem, actor)


def _move(problem: Problem, verb_name: str, actor: User, **details: Any) -> None:
    old, problem.status = problem.status, VERBS[verb_name].next_status(problem.status)
    history.record_status_changed(
        problem=problem, actor=actor, old=old, new=problem.status, **details
    )


def _plain(value: Any) -> Any:
    """A history-safe form of a field value: reference data by code, people by e-mail."""
    if isinstance(value, User):
        return value.email
    return getattr(value, "code", value)


# --- registration and editing ------------------------------------------------------------------


@transaction.atomic
def do_create_problem(
    *,
    actor: User,
    title: str,
    description: str = "",
    root_cause: str = "",
    workaround: str = "",
    owner: User | None = None,
    category: Category | None = None,
    service: Service | None = None,
) -> Problem:
    """Register a problem, `PRB-000001`, owned by `owner` (default: its author)."""
    _require_staff(actor)
    now = timezone.now()
    problem = Problem.objects.create(
        number=next_number(PREFIX),
        title=checked_line("title", title, max_length=MAX_TITLE_LENGTH),
        description=checked_text("description", description, bounded=True),
        root_cause=checked_text("root_cause", root_cause, bounded=True),
        workaround=checked_text("workaround", workaround, bounded=True),
        owner=_check_owner("owner", owner) or actor,
        category=category,
        service=service,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    history.record_created(problem=problem, actor=actor)
    return problem


@transaction.atomic
def do_update_problem(problem: Problem, *, actor: User, **changes: Any) -> Problem:
    """Change the record's fields; one history event per changed field. A known error keeps
    its workaround: clearing it needs the problem reopened first."""
    _require_staff(actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], _("This field cannot be changed."))
    problem = _lock(problem)
    _not_closed(problem)
    if "title" in changes:
        changes["title"] = checked_line("title", changes["title"], max_length=MAX_TITLE_LENGTH)
    for field in _TEXT_FIELDS:
        if field in changes:
            changes[field] = checked_text(field, changes[field], bounded=True)
    if "owner" in changes:
        _check_owner("owner", changes["owner"])
    if problem.status == ProblemStatus.KNOWN_ERROR and changes.get("workaround") == "":
        raise InvalidInput.field("workaround", _("A known error needs its workaround."))
    fields = []
    for field, new in changes.items():
        old = getattr(problem, field)
        if old == new:
            continue
        setattr(problem, field, new)
        fields.append(field)
        history.record_field_changed(
            problem=problem, actor=actor, field=field, old=_plain(old), new=_plain(new)
        )
    if fields:
        _touch(problem, fields)
    return problem


# --- lifecycle ---------------------------------------------------------------------------------


@transaction.atomic
def do_mark_known_error(problem: Problem, *, actor: User, workaround: str = "") -> Problem:
    """Publish the problem as a known error: agents then see its workaround on linked incidents.
    A workaround given here replaces the recorded one; without any, it is refused."""
    problem = _lock(problem)
    _authorise("known-error", problem, actor)
    workaround = checked_text("workaround", workaround, bounded=True) or problem.workaround
    if not workaround:
        raise InvalidInput.field("workaround", _("A known error needs its workaround."))
    fields = ["status"]
    if workaround != problem.workaround:
        history.record_field_changed(
            problem=problem, actor=actor, field="workaround", old=problem.workaround, new=workaround
        )
        problem.workaround = workaround
        fields.append("workaround")
    _move(problem, "known-error", actor)
    _touch(problem, fields)
    return problem


def open_incidents(problem: Problem, viewer: User):
    """The problem's linked incidents still open (new, in progress, on hold) that `viewer` sees,
    oldest first."""
    return (
        visible_to(viewer, problem.incidents.all())
        .filter(status__in=OPEN_STATUSES)
        .order_by("created_at", "id")
    )


@transaction.atomic
def do_resolve_problem(
    problem: Problem,
    *,
    actor: User,
    notes: str = "",
    resolve_incidents: bool = False,
    cause: Cause | None = None,
    resolution_code: ResolutionCode | None = None,
) -> Problem:
    """Resolve the problem: its root cause is fixed. With `resolve_incidents`, every open linked
    incident is resolved too through `incidents.actions.do_resolve_for_problem` (a new one taken
    into work first, one on hold resumed), with `notes` for the customer and the cause and
    resolution code the actor chose; each customer is told once, in their language. All or
    nothing: one incident that cannot be resolved refuses the whole step."""
    problem = _lock(problem)
    _authorise("resolve", problem, actor)
    if not problem.root_cause:
        raise InvalidInput.field("root_cause", _("Record the root cause before resolving."))
    notes = checked_text("notes", notes, bounded=True)
    incidents = list(open_incidents(problem, actor)) if resolve_incidents else []
    if incidents:
        if not notes:
            raise InvalidInput.field("notes", _("Write what to tell the customers."))
        if cause is None:
            raise InvalidInput.field(
                "cause", pgettext_lazy("problem", "The cause is required to resolve.")
            )
        if resolution_code is None:
            raise InvalidInput.field(
                "resolution_code", pgettext_lazy("problem", "The resolution code is required.")
            )
    for incident in incidents:
        incident_actions.do_resolve_for_problem(
            incident, actor=actor, cause=cause, resolution_code=resolution_code, notes=notes
        )
    problem.resolution_notes = notes
    problem.resolved_at = timezone.now()
    _move(problem, "resolve", actor, resolved_incidents=[i.number for i in incidents])
    _touch(problem, ["status", "resolution_notes", "resolved_at"])
    return problem


@transaction.atomic
def do_reopen_problem(problem: Problem, *, actor: User, reason: str = "") -> Problem:
    """The fix did not hold: back to open (a workaround stays recorded)."""
    problem = _lock(problem)
    _authorise("reopen", problem, actor)
    _move(problem, "reopen", actor, reason=checked_text("reason", reason, bounded=True))
    problem.resolved_at = None
    _touch(problem, ["status", "resolved_at"])
    return problem


@transaction.atomic
def do_close_problem(problem: Problem, *, actor: User) -> Problem:
    """Close a resolved problem: nothing more to do. Closed is final."""
    problem = _lock(problem)
    _authorise("close", problem, actor)
    _move(problem, "close", actor)
    problem.closed_at = timezone.now()
    _touch(problem, ["status", "closed_at"])
    return problem


# --- linked incidents --------------------------------------------------------------------------


@transaction.atomic
def do_link_incidents(problem: Problem, *, actor: User, incidents: Iterable[Incident]) -> Problem:
    """Link incidents to the problem (each through `incidents.actions.do_link_problem`, which
    records it on the incident's timeline). Ones already linked to it are left as they are; one
    linked to another problem refuses the whole step."""
    _require_staff(actor)
    problem = _lock(problem)
    _not_closed(problem)
    unique = {incident.pk: incident for incident in incidents}
    linked = set(problem.incidents.filter(pk__in=unique).values_list("pk", flat=True))
    for pk, incident in unique.items():
        if pk in linked:
            continue
        incident_actions.do_link_problem(incident, actor=actor, problem=problem)
        history.record_incident_linked(problem=problem, actor=actor, incident=incident.number)
    _touch(problem, [])
    return problem


@transaction.atomic
def do_unlink_incident(problem: Problem, *, actor: User, incident: Incident) -> Problem:
    """Take an incident linked by mistake off the problem."""
    _require_staff(actor)
    problem = _lock(problem)
    _not_closed(problem)
    if incident.problem_id != problem.pk:
        raise InvalidInput.field(
            "incident",
            _("Incident %(number)s is not linked to this problem.") % {"number": incident.number},
        )
    incident_actions.do_unlink_problem(incident, actor=actor)
    history.record_incident_unlinked(problem=problem, actor=actor, incident=incident.number)
    _touch(problem, [])
    return problem


# --- preventive actions ------------------------------------------------------------------------


@transaction.atomic
def do_add_preventive_action(
    problem: Problem, *, actor: User, title: str, owner: User | None, due_date: date | None = None
) -> PreventiveAction:
    """Plan something to do so the problem does not come back, with an owner and a due date."""
    _require_staff(actor)
    problem = _lock(problem)
    _not_closed(problem)
    if owner is None:
        raise InvalidInput.field("owner", _("This field is required."))
    _check_owner("owner", owner)
    action = PreventiveAction.objects.create(
        problem=problem,
        title=checked_line("title", title, max_length=MAX_TITLE_LENGTH),
        owner=owner,
        due_date=due_date,
    )
    history.record_action_added(problem=problem, actor=actor, action=action)
    _touch(problem, [])
    return action


@transaction.atomic
def do_set_action_done(action: PreventiveAction, *, actor: User, done: bool) -> PreventiveAction:
    """Mark a preventive action done (now) or not done after all. The last done date is the fix
    date the recurrence comparison measures from."""
    _require_staff(actor)
    problem = _lock(action.problem)
    _not_closed(problem)
    action = PreventiveAction.objects.select_for_update().get(pk=action.pk)
    if action.done == done:
        return action
    action.done = done
    action.done_at = timezone.now() if done else None
    action.save(update_fields=["done", "done_at"])
    history.record_action_done(problem=problem, actor=actor, action=action, done=done)
    _touch(problem, [])
    return action
