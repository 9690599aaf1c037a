"""Recurring-incident endpoints: what is similar to a text being written, and the groups."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from incidesk.accounts.auth import api_user
from incidesk.core.errors import Forbidden
from incidesk.recurring import runs, similarity
from incidesk.recurring.schemas import (
    GroupQuery,
    GroupsOut,
    GroupsPending,
    SimilarOut,
    SimilarQuery,
)

router = Router(tags=["recurring incidents"])
# Seconds a client waits before asking again for a grouping being computed.
RETRY_AFTER = 5


@router.get("/recurring/similar", response=SimilarOut, summary="Similar incidents and known errors")
def similar(request: HttpRequest, query: Query[SimilarQuery]) -> dict[str, Any]:
    """For a text being written (a new incident's title): matching known errors with their
    workaround, and for desk staff the most similar open incidents of the last 30 days, each
    with the words and fields they share. Customers never get incidents here."""
    user = api_user(request)
    matches = (
        similarity.similar_incidents(query.text, user=user, limit=query.limit)
        if user.is_desk_staff
        else []
    )
    return {
        "incidents": [
            {
                "number": match.incident.number,
                "title": match.incident.title,
                "status": match.incident.status,
                "created_at": match.incident.created_at,
                "score": match.score,
                "shared_terms": match.shared_terms,
                "shared_fields": match.shared_fields,
            }
            for match in matches
        ],
        "known_errors": [
            {
                "number": match.problem.number,
                "title": match.problem.title,
                "workaround": match.problem.workaround,
                "score": match.score,
                "shared_terms": match.shared_terms,
            }
            for match in similarity.similar_known_errors(query.text, user, limit=query.limit)
        ],
    }


@router.get(
    "/recurring/groups",
    response={200: GroupsOut, 202: GroupsPending},
    summary="Groups of recurring incidents",
)
def groups(request: HttpRequest, response: HttpResponse, query: Query[GroupQuery]) -> Status:
    """Groups of similar incidents registered in the last `days` days, largest and fastest
    growing first (desk staff only). The task worker computes them: the answer is its latest
    grouping of this window (`computed_at`; `refreshing` when a newer one is on its way, at
    most ten minutes old otherwise), or 202 with `Retry-After` while the first one is
    computed."""
    user = api_user(request)
    if not user.is_desk_staff:
        raise Forbidden(_("Recurring incidents are for support staff only."))
    done, waiting = runs.requested(query.days, query.min_size)
    if done is None or done.since is None or done.until is None or done.finished_at is None:
        response["Retry-After"] = str(RETRY_AFTER)
        return Status(202, {"status": "computing", "retry_after": RETRY_AFTER})
    found = similarity.stored_groups(
        done.result or [], since=done.since, until=done.until, user=user, limit=query.limit
    )
    return Status(
        200,
        {
            "since": done.since,
            "until": done.until,
            "computed_at": done.finished_at,
            "refreshing": waiting is not None,
            "groups": [
                {
                    "size": group.size,
                    "trend": group.trend,
                    "organisations": group.organisations,
                    "top_terms": group.top_terms,
                    "shared_fields": group.shared_fields,
                    "incidents": group.numbers,
                    "problems": [problem.number for problem in group.problems],
                }
                for group in found
            ],
        },
    )
