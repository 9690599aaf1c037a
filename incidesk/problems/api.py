"""Problem endpoints (desk staff only): parse (schemas) -> access -> action -> schema.

Every write runs in one transaction for the whole request. Linked incidents are looked up and
listed through `incidents.access.visible_to`. The recurrence report per cause and category lives
under `/problems/recurrence`, declared before `/problems/{number}`.
"""

from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from incidesk.accounts.auth import api_user
from incidesk.accounts.models import User
from incidesk.catalog.models import Category, Cause, ResolutionCode, Service
from incidesk.core.pagination import Page, paginate
from incidesk.incidents import queries as incident_queries
from incidesk.incidents.models import Incident
from incidesk.problems import actions, queries, recurrence
from incidesk.problems.models import PreventiveAction, Problem, ProblemEvent
from incidesk.problems.schemas import (
    ActionDoneIn,
    KnownErrorIn,
    LinkedIncidentOut,
    LinkIncidentsIn,
    PreventiveActionIn,
    PreventiveActionOut,
    ProblemEventOut,
    ProblemFilters,
    ProblemIn,
    ProblemOut,
    ProblemPage,
    ProblemPatch,
    ProblemRecurrenceOut,
    RecurrenceQuery,
    RecurrenceReportOut,
    RecurrenceReportQuery,
    ReopenProblemIn,
    ResolveProblemIn,
)

router = Router(tags=["problems"])


def _reload(user: User, problem: Problem) -> Problem:
    return queries.problems(user).get(pk=problem.pk)


@router.get("/problems", response=ProblemPage, summary="List problems")
def list_problems(request: HttpRequest, filters: Query[ProblemFilters]) -> Page[Problem]:
    """Newest first, keyset pages: follow `next_cursor` until it is null."""
    user = api_user(request)
    queryset = queries.filter_problems(
        queries.problems(user), status=filters.status, owner=filters.owner, q=filters.q
    )
    return paginate(queryset, ordering="-created_at", cursor=filters.cursor, limit=filters.limit)


@router.post("/problems", response={201: ProblemOut}, summary="Register a problem")
@transaction.atomic
def create_problem(request: HttpRequest, payload: ProblemIn) -> Status:
    user = api_user(request)
    queries.require_staff(user)
    problem = actions.do_create_problem(
        actor=user,
        title=payload.title,
        description=payload.description,
        root_cause=payload.root_cause,
        workaround=payload.workaround,
        owner=incident_queries.user_by_email("owner", payload.owner),
        category=incident_queries.reference(Category, "category", payload.category),
        service=incident_queries.reference(Service, "service", payload.service),
    )
    return Status(201, _reload(user, problem))


@router.get(
    "/problems/recurrence",
    response=RecurrenceReportOut,
    summary="Incidents per week before and after a date, per cause and category",
)
def recurrence_report(request: HttpRequest, query: Query[RecurrenceReportQuery]) -> dict[str, Any]:
    """Two windows of `weeks` weeks around the start of `date` (shortened to the time since
    `date` while that is shorter), incidents counted at registration, cancelled ones left out."""
    user = api_user(request)
    queries.require_staff(user)
    split = timezone.make_aware(datetime.combine(query.date, time.min))
    options = {
        "split": split,
        "weeks": query.weeks,
        "cause": query.cause,
        "category": query.category,
    }
    return {
        "causes": recurrence.grouped_recurrence(user, by="cause", **options),
        "categories": recurrence.grouped_recurrence(user, by="category", **options),
    }


@router.get("/problems/{number}", response=ProblemOut, summary="Get a problem")
def get_problem(request: HttpRequest, number: str) -> Problem:
    return queries.access_problem(api_user(request), number)


@router.patch("/problems/{number}", response=ProblemOut, summary="Edit a problem")
@transaction.atomic
def update_problem(request: HttpRequest, number: str, payload: ProblemPatch) -> Problem:
    user = api_user(request)
    problem = queries.access_problem(user, number)
    changes = payload.model_dump(exclude_unset=True)
    if "owner" in changes:
        changes["owner"] = incident_queries.user_by_email("owner", changes["owner"])
    for field, model in (("category", Category), ("service", Service)):
        if field in changes:
            changes[field] = incident_queries.reference(model, field, changes[field])
    return _reload(user, actions.do_update_problem(problem, actor=user, **changes))


# --- lifecycle ---------------------------------------------------------------------------------


@router.post(
    "/problems/{number}/actions/known-error", response=ProblemOut, summary="Publish as known error"
)
@transaction.atomic
def known_error(request: HttpRequest, number: str, payload: KnownErrorIn) -> Problem:
    user = api_user(request)
    problem = actions.do_mark_known_error(
        queries.access_problem(user, number), actor=user, workaround=payload.workaround
    )
    return _reload(user, problem)


@router.post("/problems/{number}/actions/resolve", response=ProblemOut, summary="Resolve")
@transaction.atomic
def resolve(request: HttpRequest, number: str, payload: ResolveProblemIn) -> Problem:
    """With `resolve_incidents`, every open linked incident is resolved too (a new one taken
    into work first, one on hold resumed) and its customer told once."""
    user = api_user(request)
    problem = actions.do_resolve_problem(
        queries.access_problem(user, number),
        actor=user,
        notes=payload.notes,
        resolve_incidents=payload.resolve_incidents,
        cause=incident_queries.reference(Cause, "cause", payload.cause),
        resolution_code=incident_queries.reference(
            ResolutionCode, "resolution_code", payload.resolution_code
        ),
    )
    return _reload(user, problem)


@router.post("/problems/{number}/actions/reopen", response=ProblemOut, summary="Reopen")
@transaction.atomic
def reopen(request: HttpRequest, number: str, payload: ReopenProblemIn) -> Problem:
    user = api_user(request)
    problem = actions.do_reopen_problem(
        queries.access_problem(user, number), actor=user, reason=payload.reason
    )
    return _reload(user, problem)


@router.post("/problems/{number}/actions/close", response=ProblemOut, summary="Close")
@transaction.atomic
def close(request: HttpRequest, number: str) -> Problem:
    user = api_user(request)
    problem = actions.do_close_problem(queries.access_problem(user, number), actor=user)
    return _reload(user, problem)


# --- linked incidents --------------------------------------------------------------------------


@router.get(
    "/problems/{number}/incidents",
    response=list[LinkedIncidentOut],
    summary="Linked incidents",
)
def list_incidents(request: HttpRequest, number: str) -> QuerySet[Incident]:
    user = api_user(request)
    return queries.linked_incidents(queries.access_problem(user, number), user)


@router.post(
    "/problems/{number}/incidents",
    response=list[LinkedIncidentOut],
    summary="Link incidents",
)
@transaction.atomic
def link_incidents(request: HttpRequest, number: str, payload: LinkIncidentsIn) -> Any:
    """Already linked ones stay; one linked to another problem is refused (422)."""
    user = api_user(request)
    problem = queries.access_problem(user, number)
    incidents = queries.incidents_by_numbers(user, "incidents", payload.incidents)
    actions.do_link_incidents(problem, actor=user, incidents=incidents)
    return queries.linked_incidents(problem, user)


@router.delete(
    "/problems/{number}/incidents/{incident}", response={204: None}, summary="Unlink an incident"
)
@transaction.atomic
def unlink_incident(request: HttpRequest, number: str, incident: str) -> Status:
    user = api_user(request)
    problem = queries.access_problem(user, number)
    found = queries.incidents_by_numbers(user, "incident", [incident])[0]
    actions.do_unlink_incident(problem, actor=user, incident=found)
    return Status(204, None)


# --- preventive actions, history, recurrence ---------------------------------------------------


@router.get(
    "/problems/{number}/preventive-actions",
    response=list[PreventiveActionOut],
    summary="Preventive actions",
)
def list_preventive_actions(request: HttpRequest, number: str) -> QuerySet[PreventiveAction]:
    return queries.preventive_actions(queries.access_problem(api_user(request), number))


@router.post(
    "/problems/{number}/preventive-actions",
    response={201: PreventiveActionOut},
    summary="Add a preventive action",
)
@transaction.atomic
def add_preventive_action(request: HttpRequest, number: str, payload: PreventiveActionIn) -> Status:
    user = api_user(request)
    action = actions.do_add_preventive_action(
        queries.access_problem(user, number),
        actor=user,
        title=payload.title,
        owner=incident_queries.user_by_email("owner", payload.owner),
        due_date=payload.due_date,
    )
    return Status(201, action)


@router.post(
    "/problems/{number}/preventive-actions/{action_id}/done",
    response=PreventiveActionOut,
    summary="Mark a preventive action done (or not)",
)
@transaction.atomic
def set_action_done(
    request: HttpRequest, number: str, action_id: int, payload: ActionDoneIn
) -> PreventiveAction:
    user = api_user(request)
    action = queries.preventive_action(queries.access_problem(user, number), action_id)
    return actions.do_set_action_done(action, actor=user, done=payload.done)


@router.get("/problems/{number}/history", response=list[ProblemEventOut], summary="Problem history")
def problem_history(request: HttpRequest, number: str) -> QuerySet[ProblemEvent]:
    return queries.history(queries.access_problem(api_user(request), number))


@router.get(
    "/problems/{number}/recurrence",
    response=ProblemRecurrenceOut,
    summary="Recurrence before and after the fix",
)
def problem_recurrence(
    request: HttpRequest, number: str, query: Query[RecurrenceQuery]
) -> recurrence.ProblemRecurrence:
    """Similar incidents per week in two equal windows around the date the last preventive
    action was done (see the docs for what counts as similar)."""
    user = api_user(request)
    return recurrence.problem_recurrence(
        queries.access_problem(user, number), user, weeks=query.weeks
    )
