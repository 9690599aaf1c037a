"""Similar incidents, matching known errors and groups of recurring incidents, for any viewer.

Everything starts from `incidents.access.visible_to(user)` and is bounded: candidates come
from the full-text index (any of the text's telling words) and from the same category or
service, inside a time window, newest first, at most `CANDIDATES` of them; only those are
compared with the text (`scoring`, pure Python, in the request). Grouping reads at most
`GROUP_INCIDENTS` incidents of one window and runs in the task worker (`compute_groups`, the
scikit-learn `engine`; `runs` keeps the result). At a million incidents a query therefore
costs a few index lookups and one TF-IDF fit over a few thousand short texts (see
docs/recurring.md for the measured times).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from incidesk.accounts.models import User
from incidesk.incidents.access import visible_to
from incidesk.incidents.models import Incident
from incidesk.incidents.search import FTS_TABLE, stem_words
from incidesk.incidents.status import OPEN_STATUSES, Status
from incidesk.problems.models import Problem
from incidesk.problems.status import ProblemStatus
from incidesk.recurring import scoring, text

# Incidents vectorised for one similarity query, and the window they are drawn from.
CANDIDATES = 2000
WINDOW = timedelta(days=30)
# Incidents read for one grouping (newest first when a window holds more).
GROUP_INCIDENTS = 3000
# Groups a grouping keeps (the API's largest `limit`).
MAX_GROUPS = 100
# Known errors compared with a text (newest first).
KNOWN_ERRORS = 2000
# Description characters compared: the title and the start of the story say what is wrong.
DESCRIPTION_CHARS = 1000
_FIELDS = ("service_id", "category_id", "organisation_id")


@dataclass
class Match:
    """An incident like the one asked about, and why: the words and the fields they share."""

    incident: Incident
    score: float
    shared_terms: list[str]
    shared_fields: list[str]


@dataclass
class KnownErrorMatch:
    """A known error (a problem with a workaround) whose description matches the text."""

    problem: Problem
    score: float
    shared_terms: list[str]


@dataclass
class Group:
    """Incidents of one window that look like one recurring fault.

    `trend` is the count in the later half of the window minus the count in the earlier half:
    positive means it is happening more often.
    """

    incidents: list[Incident]
    top_terms: list[str]
    shared_fields: list[str]
    since: datetime
    until: datetime
    recent: int
    earlier: int
    organisations: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.incidents)

    @property
    def trend(self) -> int:
        return self.recent - self.earlier

    @property
    def days(self) -> int:
        return max(1, round((self.until - self.since).total_seconds() / 86400))

    @property
    def numbers(self) -> list[str]:
        return [incident.number for incident in self.incidents]

    @property
    def service(self) -> Any:
        return self.incidents[0].service if "service" in self.shared_fields else None

    @property
    def category(self) -> Any:
        return self.incidents[0].category if "category" in self.shared_fields else None


def incident_text(incident: Incident) -> str:
    return f"{incident.title}\n{incident.description[:DESCRIPTION_CHARS]}"


def _fields(incident: Incident) -> scoring.Fields:
    return {name.removesuffix("_id"): getattr(incident, name) for name in _FIELDS}


def matching_any_word(queryset: QuerySet[Incident], words: list[str]) -> QuerySet[Incident]:
    """Incidents whose search document has at least one of `words` (in any form), from the
    full-text index of `incidents.search`."""
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        return queryset.filter(
            pk__in=RawSQL(
                "SELECT incident_id FROM incidents_searchdocument "
                "WHERE search_vector @@ to_tsquery('russian', %s)",
                [" | ".join(words)],
            )
        )
    stems = dict.fromkeys(stem for word in words for stem in stem_words(word))
    expression = " OR ".join(f'"{stem}"' for stem in stems)
    return queryset.filter(
        pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])  # noqa: S611, S608  FTS_TABLE is a constant; the expression is a parameter
    )


def candidates(
    base: QuerySet[Incident],
    query: str,
    *,
    category_id: int | None = None,
    service_id: int | None = None,
    limit: int = CANDIDATES,
) -> list[Incident]:
    """At most `limit` incidents of `base` worth comparing with `query`: sharing a telling
    word, or the category or service; newest first."""
    ids = list(
        matching_any_word(base, text.query_words(query))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )
    same = Q(category_id=category_id) if category_id else Q()
    if service_id:
        same |= Q(service_id=service_id)
    if same and len(ids) < limit:
        ids += list(
            base.filter(same)
            .exclude(pk__in=ids)
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)[: limit - len(ids)]
        )
    return list(
        Incident.objects.filter(pk__in=ids)
        .select_related("service", "category", "organisation")
        .order_by("-created_at", "-id")
    )


def similar_incidents(
    incident_or_text: Incident | str,
    *,
    user: User,
    limit: int = 5,
    open_only: bool = True,
    window: timedelta = WINDOW,
) -> list[Match]:
    """The incidents `user` may see that are most like the incident (or text), best first,
    each with the words and fields they share. An incident is compared with incidents created
    within `window` of it, a text with those of the last `window`."""
    base = visible_to(user)
    if open_only:
        base = base.filter(status__in=OPEN_STATUSES)
    if isinstance(incident_or_text, Incident):
        incident = incident_or_text
        query, fields = incident_text(incident), _fields(incident)
        base = base.exclude(pk=incident.pk).filter(
            created_at__gte=incident.created_at - window,
            created_at__lte=incident.created_at + window,
        )
    else:
        query, fields = incident_or_text, {}
        base = base.filter(created_at__gte=timezone.now() - window)
    if not text.terms(query):
        return []
    found = candidates(
        base, query, category_id=fields.get("category"), service_id=fields.get("service")
    )
    if not found:
        return []
    texts = [query, *(incident_text(other) for other in found)]
    space = scoring.Space(texts, [fields, *(_fields(other) for other in found)])
    scores = space.scores(0)[1:]
    surface = text.surface_words(texts)
    best = sorted(range(len(found)), key=lambda i: (-scores[i], i))[:limit]
    return [
        Match(
            incident=found[i],
            score=round(float(scores[i]), 3),
            shared_terms=space.shared_terms(0, i + 1, surface),
            shared_fields=scoring.shared_fields([fields, space.fields[i + 1]]),
        )
        for i in best
        if scores[i] >= scoring.DUPLICATE_THRESHOLD
    ]


def similar_known_errors(query: str, user: User, limit: int = 3) -> list[KnownErrorMatch]:
    """Known errors whose title and description match `query`, best first. Anyone signed in
    may be shown a known error's title and workaround: that is what they are for."""
    if not user.is_active or not text.terms(query):
        return []
    known = list(
        Problem.objects.filter(status=ProblemStatus.KNOWN_ERROR)
        .exclude(workaround="")
        .order_by("-updated_at", "-id")[:KNOWN_ERRORS]
    )
    if not known:
        return []
    texts = [query, *(f"{problem.title}\n{problem.description}" for problem in known)]
    space = scoring.Space(texts)
    scores = space.text_scores(0)[1:]
    surface = text.surface_words(texts)
    best = sorted(range(len(known)), key=lambda i: (-scores[i], i))[:limit]
    return [
        KnownErrorMatch(
            problem=known[i],
            score=round(float(scores[i]), 3),
            shared_terms=space.shared_terms(0, i + 1, surface),
        )
        for i in best
        if scores[i] >= scoring.DUPLICATE_THRESHOLD
    ]


def compute_groups(
    *, since: datetime, until: datetime, min_size: int = 3, limit: int = MAX_GROUPS
) -> list[dict[str, Any]]:
    """Groups of at least `min_size` similar incidents created in [since, until), largest and
    fastest-growing first, at most `limit`, as JSON for `GroupRun.result`: incident ids
    (newest first), top terms, shared fields, and the counts in each half of the window.
    Cancelled incidents (mistakes, duplicates already found) are left out; at most
    `GROUP_INCIDENTS` newest incidents are read. Groups are for desk staff, who see every
    incident, so no access rule narrows them. Runs in the task worker: the clustering loads
    numpy, scipy and scikit-learn."""
    from incidesk.recurring import engine

    incidents = list(
        Incident.objects.filter(created_at__gte=since, created_at__lt=until)
        .exclude(status=Status.CANCELLED)
        .only("title", "description", "created_at", "number", "service", "category", "organisation")
        .order_by("-created_at", "-id")[:GROUP_INCIDENTS]
    )
    if len(incidents) < min_size:
        return []
    texts = [incident_text(incident) for incident in incidents]
    fields = [_fields(incident) for incident in incidents]
    space = engine.vectorise(texts, fields)
    middle = since + (until - since) / 2
    found: list[dict[str, Any]] = []
    for rows in engine.cluster(space, min_size=min_size):
        members = [incidents[row] for row in rows]
        recent = sum(1 for incident in members if incident.created_at >= middle)
        found.append(
            {
                "incidents": [incident.pk for incident in members],
                "first": members[0].number,
                "top_terms": space.top_terms(rows, text.surface_words([texts[r] for r in rows])),
                "shared_fields": scoring.shared_fields([fields[row] for row in rows]),
                "recent": recent,
                "earlier": len(members) - recent,
            }
        )
    found.sort(key=lambda g: (-len(g["incidents"]), g["earlier"] - g["recent"], g["first"]))
    return found[:limit]


def stored_groups(
    found: list[dict[str, Any]], *, since: datetime, until: datetime, user: User, limit: int = 20
) -> list[Group]:
    """The first `limit` groups a run stored, with their incidents as they are now (only
    those `user` may see) and the problems they are linked to."""
    wanted = found[:limit]
    ids = [pk for row in wanted for pk in row["incidents"]]
    incidents = (
        visible_to(user).filter(pk__in=ids).select_related("service", "category", "organisation")
    )
    by_id = {incident.pk: incident for incident in incidents}
    groups = []
    for row in wanted:
        members = [by_id[pk] for pk in row["incidents"] if pk in by_id]
        if not members:
            continue
        groups.append(
            Group(
                incidents=members,
                top_terms=row["top_terms"],
                shared_fields=row["shared_fields"],
                since=since,
                until=until,
                recent=row["recent"],
                earlier=row["earlier"],
                organisations=len({i.organisation_id for i in members if i.organisation_id}),
            )
        )
    _attach_problems(groups)
    return groups


def _attach_problems(groups: list[Group]) -> None:
    """Which problems the group's incidents are already linked to (shown beside the group)."""
    wanted = {i.problem_id for group in groups for i in group.incidents if i.problem_id}
    found = Problem.objects.in_bulk(wanted)
    for group in groups:
        ids = dict.fromkeys(i.problem_id for i in group.incidents if i.problem_id)
        group.problems = [found[pk] for pk in ids if pk in found]
