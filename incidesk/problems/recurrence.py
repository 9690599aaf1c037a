"""Did the fix work? Recurrence rates (incidents per week) before and after a date, in SQL.

**Similar incidents of a problem** (what "recurrence" counts): the incidents linked to it, plus,
when the problem names a category and/or a service, every incident (kind "incident", not service
requests) in that category or one of its subcategories and/or on that service. Both conditions
hold when both are named; with neither, only linked incidents count. Cancelled incidents
(mistakes and duplicates) never count. An incident counts at its registration time.

**Windows.** The fix date is when the problem's last preventive action was done. The comparison
uses two windows of equal length on either side of it: `weeks` weeks (default 12), shortened to
the time since the fix while it is shorter, so "before" and "after" are always comparable. The
rate is the count divided by the window's length in weeks.

The same windows serve the report per cause and per category around any chosen date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.catalog.models import Category, Cause
from incidesk.core.errors import InvalidInput
from incidesk.incidents.access import visible_to
from incidesk.incidents.models import Incident, Kind
from incidesk.incidents.status import Status
from incidesk.problems.models import Problem

DEFAULT_WEEKS = 12
MAX_WEEKS = 104
WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class Rates:
    """Counts and per-week rates in two equal windows around `split`."""

    split: datetime
    weeks: float
    before: int
    after: int

    @property
    def before_rate(self) -> float | None:
        return round(self.before / self.weeks, 2) if self.weeks else None

    @property
    def after_rate(self) -> float | None:
        return round(self.after / self.weeks, 2) if self.weeks else None

    @property
    def change_percent(self) -> float | None:
        """How much the rate moved, in per cent of the rate before (−100 = gone)."""
        if not self.weeks or not self.before:
            return None
        return round((self.after - self.before) * 100 / self.before, 1)


@dataclass(frozen=True)
class ProblemRecurrence:
    fixed_at: datetime | None
    actions_done: int
    actions_total: int
    rates: Rates | None


@dataclass(frozen=True)
class GroupRates:
    """One cause or category in the report."""

    code: str | None
    name: str
    rates: Rates


def window(split: datetime, weeks: int, now: datetime) -> timedelta:
    """The length of each window: `weeks`, or the time since `split` while that is shorter."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidInput.field(
            "weeks", _("Give a whole number of weeks from 1 to %(n)d.") % {"n": MAX_WEEKS}
        )
    return max(min(timedelta(weeks=weeks), now - split), timedelta(0))


def _counts(split: datetime, length: timedelta) -> dict[str, Count]:
    return {
        "before": Count("id", filter=Q(created_at__gte=split - length, created_at__lt=split)),
        "after": Count("id", filter=Q(created_at__gte=split, created_at__lt=split + length)),
    }


def similar_incidents(problem: Problem, viewer: User) -> QuerySet[Incident]:
    """The problem's recurrences that `viewer` may see (see the module docstring)."""
    rule = Q(problem=problem)
    if problem.category_id or problem.service_id:
        same = Q(kind=Kind.INCIDENT)
        if problem.category_id:
            same &= Q(category_id=problem.category_id) | Q(category__parent_id=problem.category_id)
        if problem.service_id:
            same &= Q(service_id=problem.service_id)
        rule |= same
    return visible_to(viewer).filter(rule).exclude(status=Status.CANCELLED)


def problem_recurrence(
    problem: Problem, viewer: User, *, weeks: int = DEFAULT_WEEKS, now: datetime | None = None
) -> ProblemRecurrence:
    """Recurrence before and after the problem's fix (two queries). No preventive action done:
    no fix date and no rates."""
    now = now or timezone.now()
    actions = problem.actions.aggregate(
        total=Count("id"), done=Count("id", filter=Q(done=True)), fixed_at=Max("done_at")
    )
    fixed_at = actions["fixed_at"]
    rates = None
    if fixed_at is not None:
        length = window(fixed_at, weeks, now)
        counts = similar_incidents(problem, viewer).aggregate(**_counts(fixed_at, length))
        rates = Rates(split=fixed_at, weeks=length / WEEK, **counts)
    return ProblemRecurrence(
        fixed_at=fixed_at,
        actions_done=actions["done"],
        actions_total=actions["total"],
        rates=rates,
    )


def _code_or_child(field: str, code: str) -> Q:
    return Q(**{f"{field}__code": code}) | Q(**{f"{field}__parent__code": code})


def grouped_recurrence(
    viewer: User,
    *,
    by: str,
    split: datetime,
    weeks: int = DEFAULT_WEEKS,
    cause: str | None = None,
    category: str | None = None,
    now: datetime | None = None,
) -> list[GroupRates]:
    """Incidents per week before and after `split`, one row per cause (`by="cause"`) or per
    category (`by="category"`), busiest first; incidents without one form a row with code None.
    `cause` / `category` narrow the incidents (a code also matches its children). One query
    (plus one for the names)."""
    now = now or timezone.now()
    if split > now:
        raise InvalidInput.field("date", _("The date must not be in the future."))
    length = window(split, weeks, now)
    queryset = visible_to(viewer).exclude(status=Status.CANCELLED)
    queryset = queryset.filter(created_at__gte=split - length, created_at__lt=split + length)
    if cause:
        queryset = queryset.filter(_code_or_child("cause", cause))
    if category:
        queryset = queryset.filter(_code_or_child("category", category))
    field = f"{by}__code"
    rows = (
        queryset.values(field)
        .annotate(**_counts(split, length))
        .order_by("-before", "-after", field)
    )
    model = {"cause": Cause, "category": Category}[by]
    names = {entry.code: entry.name for entry in model._default_manager.all()}
    return [
        GroupRates(
            code=row[field],
            name=names.get(row[field], "") if row[field] else str(_("(none)")),
            rates=Rates(split=split, weeks=length / WEEK, before=row["before"], after=row["after"]),
        )
        for row in rows
    ]
