"""Read helpers shared by the API and the web UI: the joins a page needs, the list filters, and
turning codes, e-mails and numbers from a request into objects.

Every helper that returns incidents takes the viewer and starts from `access.visible_to`;
`with_related()` is only the base queryset handed to `access.access_incident`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar, overload

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Organisation, Team, User
from incidesk.catalog.models import ReferenceEntry
from incidesk.core.errors import InvalidInput
from incidesk.incidents.access import visible_comments, visible_events, visible_to
from incidesk.incidents.models import Comment, Incident, TimeEntry, TimelineEvent
from incidesk.incidents.search import search
from incidesk.sla.models import ClockState, SlaClock

R = TypeVar("R", bound=ReferenceEntry)

# Everything IncidentOut reads, in one query: a page of any size costs the same.
INCIDENT_RELATED = (
    "hold_reason",
    "category",
    "service",
    "cause",
    "resolution_code",
    "reporter",
    "team",
    "assignee",
    "parent",
)


def time_spent() -> Coalesce:
    """The minutes recorded on the outer incident, as a correlated subquery (0 when none)."""
    total = (
        TimeEntry.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Coalesce(Subquery(total), 0)


def with_related() -> QuerySet[Incident]:
    """All incidents with what IncidentOut reads joined in (the SLA clocks in one more query,
    the time spent as a subquery); filter it through access."""
    return (
        Incident.objects.select_related(*INCIDENT_RELATED)
        .prefetch_related(
            Prefetch("sla_clocks", queryset=SlaClock.objects.select_related("calendar"))
        )
        .annotate(time_spent_total=time_spent())
    )


def incidents(user: User) -> QuerySet[Incident]:
    """Incidents `user` may see, with what their JSON needs joined in."""
    return visible_to(user, with_related())


def reloaded(user: User, incident: Incident) -> Incident:
    """The incident as an action left it, joined for serialisation."""
    return incidents(user).get(pk=incident.pk)


# How many merges deep `merged_into` follows a chain (A into B, then B into C).
MAX_MERGE_CHAIN = 10


def merged_into(incident: Incident) -> Incident | None:
    """Where a merged incident now lives: the target of its merge, or, when that was merged
    too, the end of the chain. None for an incident that was not merged."""
    current = incident
    for _step in range(MAX_MERGE_CHAIN):
        if current.merged_at is None or current.duplicate_of_id is None:
            break
        following = Incident.objects.filter(pk=current.duplicate_of_id).first()
        if following is None:
            break
        current = following
    return None if current is incident else current


def _code_or_child(field: str, code: str) -> Q:
    return Q(**{f"{field}__code": code}) | Q(**{f"{field}__parent__code": code})


def filter_incidents(
    queryset: QuerySet[Incident],
    *,
    status: list[str] | None = None,
    priority: list[int] | None = None,
    kind: str | None = None,
    team: str | None = None,
    assignee: str | None = None,
    reporter: str | None = None,
    organisation: int | None = None,
    category: str | None = None,
    cause: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    q: str | None = None,
    sla: str | None = None,
    custom: Q | None = None,
) -> QuerySet[Incident]:
    """Narrow a list; every filter given must hold. Teams, categories and causes by code
    (a category or cause also matches its children), people by e-mail, organisation by id;
    `created_after` is inclusive, `created_before` exclusive; `custom`: a condition on the custom
    field values (`fields.values.filter_condition`). Unknown values match nothing."""
    lookups: dict[str, Any] = {
        "status__in": status,
        "priority__in": priority,
        "kind": kind,
        "team__code": team,
        "assignee__email": assignee,
        "reporter__email": reporter,
        "organisation_id": organisation,
        "created_at__gte": aware(created_after),
        "created_at__lt": aware(created_before),
    }
    queryset = queryset.filter(**{k: v for k, v in lookups.items() if v is not None})
    if category:
        queryset = queryset.filter(_code_or_child("category", category))
    if cause:
        queryset = queryset.filter(_code_or_child("cause", cause))
    if sla:
        queryset = queryset.filter(Exists(_sla_clocks(sla)))
    if custom:
        queryset = queryset.filter(custom)
    if q:
        queryset = search(queryset, q)
    return queryset


BREACHING_WITHIN = timedelta(hours=1)


def _sla_clocks(which: str) -> QuerySet[SlaClock]:
    """The incident's clocks that are breached, or running and due within the hour."""
    clocks = SlaClock.objects.filter(incident=OuterRef("pk"))
    if which == "breached":
        return clocks.filter(breached_at__isnull=False)
    return clocks.filter(state=ClockState.RUNNING, due_at__lte=timezone.now() + BREACHING_WITHIN)


def aware(value: datetime | None) -> datetime | None:
    """A time without an offset is in the desk's time zone."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def comments(user: User, incident: Incident) -> QuerySet[Comment]:
    return visible_comments(user, incident).select_related("author")


def events(user: User, incident: Incident) -> QuerySet[TimelineEvent]:
    return visible_events(user, incident).select_related("actor")


# --- request values to objects -------------------------------------------------------------
# A value the client sent that matches nothing is bad input on that field (422), not a
# missing resource (404): the URL itself was fine.


@overload
def reference(model: type[R], field: str, code: str) -> R: ...
@overload
def reference(model: type[R], field: str, code: str | None) -> R | None: ...
def reference(model: type[R], field: str, code: str | None) -> R | None:
    """The active entry with `code`, None for None; InvalidInput naming `field` otherwise."""
    if code is None:
        return None
    entry = model._default_manager.filter(code=code, is_active=True).first()
    if entry is None:
        raise InvalidInput.field(field, _("Unknown code “%(code)s”.") % {"code": code})
    return entry


def team_by_code(field: str, code: str | None) -> Team | None:
    if code is None:
        return None
    found = Team.objects.filter(code=code).first()
    if found is None:
        raise InvalidInput.field(field, _("Unknown team “%(code)s”.") % {"code": code})
    return found


def user_by_email(field: str, email: str | None) -> User | None:
    """An active account by e-mail; whether its role fits is the action's call."""
    if email is None:
        return None
    found = User.objects.filter(email=email.lower(), is_active=True).first()
    if found is None:
        raise InvalidInput.field(field, _("No active user “%(email)s”.") % {"email": email})
    return found


def organisation_by_id(field: str, pk: int | None) -> Organisation | None:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput.field(field, _("Unknown organisation %(id)d.") % {"id": pk})
    return found


@overload
def incident_by_number(viewer: User, field: str, number: str) -> Incident: ...
@overload
def incident_by_number(viewer: User, field: str, number: str | None) -> Incident | None: ...
def incident_by_number(viewer: User, field: str, number: str | None) -> Incident | None:
    """An incident named in a request body, within what `viewer` may see."""
    if number is None:
        return None
    found = visible_to(viewer).filter(number=number.upper()).first()
    if found is None:
        raise InvalidInput.field(
            field, _("Incident %(number)s was not found.") % {"number": number}
        )
    return found
