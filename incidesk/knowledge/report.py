"""Whether articles help, measured per article in SQL (definitions in docs/kpi.md,
"Knowledge base and deflection").

Over the report period (the viewer's local days) and the report filter's catalogue dimensions
(category with its children, service; organisation narrows to its customers' reading): views,
"helped" / "did not help" answers, potential and confirmed deflections, incidents filed after a
view, and incidents that used the article and were reopened. One query for the rows, each
measure a correlated subquery, so the cost does not grow with the number of articles shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from incidesk.analytics.filters import ReportFilter
from incidesk.incidents.models import Incident
from incidesk.knowledge.models import Article, ArticleLink, ArticleView, Feedback

DEFLECTION_WINDOW = timedelta(hours=24)
"""How long after opening a suggested article a customer must not file an incident for the
opening to count as a deflection."""
MAX_ROWS = 200


@dataclass(frozen=True)
class Totals:
    views: int
    helped: int
    not_helped: int
    potential: int
    confirmed: int
    filed_after: int
    reopened: int


def _count(queryset: QuerySet, field: str = "pk", *, distinct: bool = False) -> Coalesce:
    """A correlated COUNT per article, as an expression for `annotate`."""
    counted = (
        queryset.order_by()
        .values("article")
        .annotate(n=Count(field, distinct=distinct))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _filed_after() -> Exists:
    """The viewer filed an incident within the window after the view."""
    return Exists(
        Incident.objects.filter(
            reporter=OuterRef("user"),
            created_at__gte=OuterRef("at"),
            created_at__lt=OuterRef("at") + DEFLECTION_WINDOW,
        )
    )


def rows(f: ReportFilter, now: datetime | None = None) -> QuerySet[Article]:
    """Every article read or answered about in the period, with its measures."""
    now = now or timezone.now()
    in_period = Q(at__gte=f.since, at__lt=f.until)
    views = ArticleView.objects.filter(in_period, article=OuterRef("pk"))
    answers = Feedback.objects.filter(in_period, article=OuterRef("pk"))
    if f.organisation:
        views = views.filter(user__organisation=f.organisation)
        answers = answers.filter(user__organisation=f.organisation)
    # A deflection: a signed-in customer opened a suggestion, the window has passed, and they
    # filed nothing in it; confirmed when they (at any time) answered that it helped.
    suggested = views.filter(suggested=True, user__isnull=False, at__lte=now - DEFLECTION_WINDOW)
    potential = suggested.annotate(filed=_filed_after()).filter(filed=False)
    said_helped = Exists(
        Feedback.objects.filter(article=OuterRef("article"), user=OuterRef("user"), helped=True)
    )
    reopened = ArticleLink.objects.filter(
        article=OuterRef("pk"), incident__reopen_count__gt=0, at__gte=f.since, at__lt=f.until
    )
    articles = Article.objects.all()
    if f.category:
        # A top-level category covers its sub-categories, as in the other reports.
        articles = articles.filter(Q(category=f.category) | Q(category__parent=f.category))
    if f.service:
        articles = articles.filter(service_id=f.service.pk)
    return (
        articles.annotate(
            n_views=_count(views),
            n_helped=_count(answers.filter(helped=True)),
            n_not_helped=_count(answers.filter(helped=False)),
            n_potential=_count(potential, "user", distinct=True),
            n_confirmed=_count(
                potential.annotate(ok=said_helped).filter(ok=True), "user", distinct=True
            ),
            n_filed_after=_count(
                views.filter(user__isnull=False).annotate(filed=_filed_after()).filter(filed=True)
            ),
            n_reopened=_count(reopened, "incident", distinct=True),
        )
        .filter(Q(n_views__gt=0) | Q(n_helped__gt=0) | Q(n_not_helped__gt=0) | Q(n_reopened__gt=0))
        .order_by(F("n_views").desc(), "pk")
    )


def report(f: ReportFilter, now: datetime | None = None) -> tuple[list[Article], Totals]:
    """The rows (at most `MAX_ROWS`, most read first) and their totals."""
    found = list(rows(f, now)[:MAX_ROWS])
    totals = Totals(
        *(
            sum(getattr(article, f"n_{name}") for article in found)
            for name in Totals.__dataclass_fields__
        )
    )
    return found, totals
