"""Merge, its undo and split over the API: parse (schemas) -> access -> action -> schema.

Mounted before the incidents router (`incidesk/api.py`), so `/actions/merge`, `/actions/unmerge`
and `/actions/split` are matched before that router's catch-all for unknown verbs.
"""

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from incidesk.accounts.auth import api_user
from incidesk.core.errors import NotFound
from incidesk.incidents import actions, queries
from incidesk.incidents.api import IfMatch, _expected_version, _target
from incidesk.incidents.models import Incident
from incidesk.incidents.schemas import IncidentOut, MergeIn, NoBody, SplitIn

router = Router(tags=["incidents"])


@router.post(
    "/incidents/{number}/actions/merge",
    response=IncidentOut,
    summary="Merge this duplicate into another incident",
    url_name="incident_merge",
)
@transaction.atomic
def merge(
    request: HttpRequest, number: str, payload: MergeIn, if_match: IfMatch = None
) -> Incident:
    """Comments and files move to `target`, this incident is cancelled as its duplicate (SLA
    clocks stop) and its reporter is told the new number; undo with `unmerge` within
    `INCIDESK_MERGE_UNDO_MINUTES`."""
    user = api_user(request)
    incident = actions.do_merge(
        _target(user, number, "merge"),
        actor=user,
        target=queries.incident_by_number(user, "target", payload.target),
        reason=payload.reason,
        expected_version=_expected_version(if_match),
    )
    return queries.reloaded(user, incident)


@router.post(
    "/incidents/{number}/actions/unmerge",
    response=IncidentOut,
    summary="Undo the merge of this incident",
    url_name="incident_unmerge",
)
@transaction.atomic
def unmerge(
    request: HttpRequest, number: str, payload: NoBody | None = None, if_match: IfMatch = None
) -> Incident:
    user = api_user(request)
    incident = actions.do_unmerge(
        _target(user, number, "unmerge"), actor=user, expected_version=_expected_version(if_match)
    )
    return queries.reloaded(user, incident)


@router.post(
    "/incidents/{number}/actions/split",
    response={201: IncidentOut},
    summary="Split a comment out into a new incident",
    url_name="incident_split",
)
@transaction.atomic
def split(
    request: HttpRequest, number: str, payload: SplitIn, if_match: IfMatch = None
) -> Status[Incident]:
    """The comment and its files move to a new incident with the same reporter and
    classification, linked `split_from` this one. Unlike the other verbs it answers the new
    incident (201)."""
    user = api_user(request)
    incident = _target(user, number, "split")
    comment = queries.comments(user, incident).filter(pk=payload.comment).first()
    if comment is None:
        raise NotFound(_("Comment %(id)s was not found.") % {"id": payload.comment})
    new = actions.do_split(
        incident,
        actor=user,
        comment=comment,
        title=payload.title,
        expected_version=_expected_version(if_match),
    )
    return Status(201, queries.reloaded(user, new))
