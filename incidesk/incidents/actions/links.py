"""Links between incidents and to a problem."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.core.errors import InvalidInput
from incidesk.incidents import timeline
from incidesk.incidents.access import can
from incidesk.incidents.actions._common import _authorise, _commit, _lock, _save
from incidesk.incidents.models import Incident, IncidentLink, LinkKind, TimelineEvent
from incidesk.problems.models import Problem


@transaction.atomic
def do_link(
    incident: Incident,
    *,
    actor: User,
    target: Incident,
    kind: str,
    expected_version: int | None = None,
) -> Incident:
    """Link two incidents. `child_of` makes `target` the major incident grouping this one."""
    kind = LinkKind(kind)
    incident = _lock(incident, expected_version)
    _authorise("link", incident, actor)
    if target.pk == incident.pk:
        raise InvalidInput.field("target", _("An incident cannot be linked to itself."))
    if IncidentLink.objects.filter(source=incident, target=target, kind=kind).exists():
        raise InvalidInput.field("target", _("These incidents are already linked."))
    fields: list[str] = []
    if kind == LinkKind.CHILD_OF:
        if not target.is_major or target.parent_id:
            raise InvalidInput.field("target", _("Only a major incident can have children."))
        incident.parent = target
        fields.append("parent")
    event = _link(incident, target, kind, actor)
    _save(incident, fields)
    _commit([event])
    return incident


def _link(incident: Incident, target: Incident, kind: LinkKind, actor: User) -> TimelineEvent:
    IncidentLink.objects.create(source=incident, target=target, kind=kind, created_by=actor)
    return timeline.record_linked(
        incident=incident, actor=actor, target=target.number, link_kind=kind
    )


@transaction.atomic
def do_link_problem(incident: Incident, *, actor: User, problem: Problem) -> Incident:
    """Say the incident is caused by `problem` (an internal event: customers do not see problem
    records). An incident has at most one problem; moving it to another means unlinking first.
    Besides staff, the reporter may link their own incident to a published known error ("this
    is my problem too")."""
    incident = _lock(incident)
    if not (problem.is_known_error and can(actor, "link_known_error", incident)):
        _authorise("link", incident, actor)
    if incident.problem_id == problem.pk:
        raise InvalidInput.field("problem", _("The incident is already linked to this problem."))
    if incident.problem is not None:
        raise InvalidInput.field(
            "problem",
            _("Incident %(number)s is linked to %(problem)s: unlink it first.")
            % {"number": incident.number, "problem": incident.problem.number},
        )
    incident.problem = problem
    _save(incident, ["problem"])
    event = timeline.record_problem_linked(incident=incident, actor=actor, problem=problem.number)
    _commit([event])
    return incident


@transaction.atomic
def do_unlink_problem(incident: Incident, *, actor: User) -> Incident:
    """Take the incident off its problem (linked by mistake)."""
    incident = _lock(incident)
    _authorise("link", incident, actor)
    if incident.problem is None:
        raise InvalidInput.field("problem", _("The incident is not linked to a problem."))
    number = incident.problem.number
    incident.problem = None
    _save(incident, ["problem"])
    _commit([timeline.record_problem_unlinked(incident=incident, actor=actor, problem=number)])
    return incident
