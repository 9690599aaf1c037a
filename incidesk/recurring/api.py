"""Recurring-incident endpoints: what is similar to a text being written, and the groups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from incidesk.accounts.auth import api_user
from incidesk.core.errors import Forbidden
from incidesk.recurring import similarity
from incidesk.recurring.schemas import GroupQuery, GroupsOut, SimilarOut, SimilarQuery

router = Router(tags=["recurring incidents"])


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


@router.get("/recurring/groups", response=GroupsOut, summary="Groups of recurring incidents")
def groups(request: HttpRequest, query: Query[GroupQuery]) -> dict[str, Any]:
    """Groups of similar incidents registered in the last `days` days, largest and fastest
    growing first (desk staff only)."""
    user = api_user(request)
    if not user.is_desk_staff:
        raise Forbidden(_("Recurring incidents are for support staff only."))
    until = timezone.now()
    since = until - timedelta(days=query.days)
    found = similarity.find_groups(
        since=since, until=until, user=user, min_size=query.min_size, limit=query.limit
    )
    return {
        "since": since,
        "until": until,
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
    }
