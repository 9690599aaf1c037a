"""Read helpers shared by the pages, the API and other apps: the problem list and its filters,
one problem by number, linked incidents through `incidents.access`, known errors for an incident.

Problems are desk-internal: every helper that takes a viewer refuses anyone but desk staff
(`Forbidden`), whatever the surface.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.core.errors import Forbidden, InvalidInput, NotFound
from incidesk.incidents.access import visible_to
from incidesk.incidents.models import Incident
from incidesk.problems.models import PreventiveAction, Problem, ProblemEvent
from incidesk.problems.status import ProblemStatus
from incidesk.recurring import similarity


def require_staff(viewer: User) -> None:
    if not (viewer.is_active and viewer.is_desk_staff):
        raise Forbidden(_("Problems are for support staff only."))


def problems(viewer: User) -> QuerySet[Problem]:
    """Problems with their owner and the count of linked incidents joined in."""
    require_staff(viewer)
    return Problem.objects.select_related("owner", "category", "service").annotate(
        incident_count=Count("incidents", distinct=True)
    )


def filter_problems(
    queryset: QuerySet[Problem],
    *,
    status: list[str] | None = None,
    owner: str | None = None,
    q: str | None = None,
) -> QuerySet[Problem]:
    """Narrow the list: statuses, the owner's e-mail, and every word of `q` in the number, title,
    description, root cause or workaround. SQLite folds only ASCII case, so each word is also
    tried in lower, capitalised and upper case (Cyrillic "впн" finds "ВПН")."""
    if status:
        queryset = queryset.filter(status__in=status)
    if owner:
        queryset = queryset.filter(owner__email=owner.lower())
    for word in (q or "").split():
        variants = {word, word.lower(), word.capitalize(), word.upper()}
        rule = Q()
        for variant in variants:
            for field in ("number", "title", "description", "root_cause", "workaround"):
                rule |= Q(**{f"{field}__icontains": variant})
        queryset = queryset.filter(rule)
    return queryset


def access_problem(viewer: User, number: str) -> Problem:
    """The problem `number` for desk staff; Forbidden for anyone else, NotFound if missing."""
    problem = problems(viewer).filter(number=number.upper()).first()
    if problem is None:
        raise NotFound(_("Problem %(number)s was not found.") % {"number": number})
    return problem


def linked_incidents(problem: Problem, viewer: User) -> QuerySet[Incident]:
    """The problem's incidents that `viewer` may see, oldest first."""
    return (
        visible_to(viewer, problem.incidents.all())
        .select_related("assignee", "category", "service")
        .order_by("created_at", "id")
    )


def preventive_actions(problem: Problem) -> QuerySet[PreventiveAction]:
    return problem.actions.select_related("owner")


def history(problem: Problem) -> QuerySet[ProblemEvent]:
    return problem.events.select_related("actor")


def incidents_by_numbers(viewer: User, field: str, numbers: list[str]) -> list[Incident]:
    """Incidents named in a request, within what `viewer` may see; InvalidInput naming the
    first number that is missing or not visible."""
    wanted = [number.strip().upper() for number in numbers if number.strip()]
    if not wanted:
        raise InvalidInput.field(field, _("Give at least one incident number."))
    found = {i.number: i for i in visible_to(viewer).filter(number__in=wanted)}
    for number in wanted:
        if number not in found:
            raise InvalidInput.field(
                field, _("Incident %(number)s was not found.") % {"number": number}
            )
    return [found[number] for number in dict.fromkeys(wanted)]


def known_errors_for(incident: Incident, viewer: User | None = None) -> list[Problem]:
    """Known errors whose workaround the agent should see beside `incident`: its own problem's
    first; then, for a `viewer`, the problems of incidents like it that they may see and the
    known errors whose text matches it (`recurring.similarity`), best first."""
    ids = [incident.problem_id] if incident.problem_id else []
    if viewer is not None:
        similar = similarity.similar_incidents(incident, user=viewer, open_only=False)
        ids += [match.incident.problem_id for match in similar if match.incident.problem_id]
        matches = similarity.similar_known_errors(similarity.incident_text(incident), viewer)
        ids += [match.problem.pk for match in matches]
    order = list(dict.fromkeys(ids))
    known = Problem.objects.filter(pk__in=order, status=ProblemStatus.KNOWN_ERROR).exclude(
        workaround=""
    )
    found = {problem.pk: problem for problem in known}
    return [found[pk] for pk in order if pk in found]


def preventive_action(problem: Problem, action_id: int) -> PreventiveAction:
    action = problem.actions.select_related("owner").filter(pk=action_id).first()
    if action is None:
        raise NotFound(_("Preventive action %(id)d was not found.") % {"id": action_id})
    return action
