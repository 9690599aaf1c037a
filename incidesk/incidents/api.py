"""Incident endpoints: parse (schemas) -> access -> action -> schema.

Every write runs in one transaction for the whole request (`transaction.atomic` on the handler),
so a request that fails at any step writes nothing. Reads and writes alike start from
`access.visible_to` / `access.access_incident`: someone else's incident is a 404 identical to a
missing one.
"""

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Header, Query, Router, Status, UploadedFile

from incidesk.accounts.auth import api_user
from incidesk.accounts.models import User
from incidesk.catalog.models import Category, Cause, HoldReason, ResolutionCode, Service
from incidesk.core.apijson import RENDERER
from incidesk.core.errors import DomainError, InvalidInput, NotFound
from incidesk.core.pagination import Page, paginate
from incidesk.fields import definitions
from incidesk.fields.values import filter_condition
from incidesk.incidents import actions, files, queries
from incidesk.incidents.access import (
    STAFF_FIELDS,
    access_incident,
    sees_field,
    visible_attachments,
)
from incidesk.incidents.models import (
    Attachment,
    Channel,
    Comment,
    IdempotencyKey,
    Incident,
    TimelineEvent,
    Visibility,
)
from incidesk.incidents.schemas import (
    DUE_ORDERINGS,
    AssignIn,
    AttachmentOut,
    CancelIn,
    CommentIn,
    CommentOut,
    EventOut,
    HoldIn,
    IncidentFilters,
    IncidentIn,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    LinkIn,
    NoBody,
    RateIn,
    ReopenIn,
    RequestInfoIn,
    ResolveIn,
    incident_out,
)
from incidesk.incidents.status import LIFECYCLE, VERBS

router = Router(tags=["incidents"])

IfMatch = Annotated[
    str | None,
    Header(None, alias="If-Match", description='The version you saw, as `"<version>"`.'),
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying with the same key returns the incident the first call created.",
    ),
]
_ETAG = re.compile(r'(?:W/)?("?)(\d+)\1')
_PAGING = {"ordering", "limit", "cursor"}


class VersionRequired(DomainError):
    status = 428
    code = "version_required"
    title = _("Version required")


class UnknownVerb(NotFound):
    code = "unknown_verb"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


def _expected_version(
    if_match: str | None, body_version: int | None = None, *, required: bool = False
) -> int | None:
    """The version the client edited, from If-Match or the body (they must agree)."""
    header = None
    if if_match is not None:
        match = _ETAG.fullmatch(if_match.strip())
        if match is None:
            raise InvalidInput.field("If-Match", _('Send the version as If-Match: "<version>".'))
        header = int(match[2])
    if header is not None and body_version is not None and header != body_version:
        raise InvalidInput.field("version", _("The body's version and If-Match differ."))
    version = header if header is not None else body_version
    if version is None and required:
        raise VersionRequired(
            _('Send the version you edited: If-Match: "<version>" or "version" in the body.')
        )
    return version


def _with_etag(response: HttpResponse, incident: Incident) -> Incident:
    response["ETag"] = f'"{incident.version}"'
    return incident


# --- incidents ---------------------------------------------------------------------------------


@router.get("/incidents", response=IncidentPage, summary="List incidents")
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters]) -> Page[Incident]:
    """Newest first unless `ordering` says otherwise. Pages are keyset pages: follow
    `next_cursor` until it is null. There is no total count, by design."""
    user = api_user(request)
    # Filtering by a field IncidentOut hides from the viewer would reveal it all the same.
    for name in type(filters).model_fields:
        if (
            name in STAFF_FIELDS
            and getattr(filters, name) is not None
            and not sees_field(user, name)
        ):
            raise InvalidInput.field(name, _("Only support staff may filter by this."))
    wanted = filters.model_dump(exclude=_PAGING)
    if wanted["custom"]:
        wanted["custom"] = filter_condition(
            wanted["custom"], definitions.current(), customer=not user.is_desk_staff
        )
    queryset = queries.filter_incidents(queries.incidents(user), **wanted)
    due = filters.ordering.removeprefix("-")
    if due in DUE_ORDERINGS:
        queryset = queryset.filter(**{f"{due}__isnull": False})
    return paginate(
        queryset,
        ordering=filters.ordering,
        cursor=filters.cursor,
        limit=filters.limit,
        rows=queries.with_related(),
    )


@router.post(
    "/incidents", response={200: IncidentOut, 201: IncidentOut}, summary="Register an incident"
)
def create_incident(
    request: HttpRequest,
    payload: IncidentIn,
    response: HttpResponse,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """201 with the new incident. With an `Idempotency-Key`, a retry of the same body returns
    the incident the first call created, as it is now, with 200; the same key with another body
    is refused (422 `idempotency_key_reused`). Keys are per user."""
    user = api_user(request)
    # Customers always report for themselves (the action enforces it). Their on-behalf fields
    # are not even looked up, so the answer never tells them whether an e-mail has an account.
    staff = user.is_desk_staff

    # Looked up before any transaction: on SQLite a transaction holds the write lock.
    category = queries.reference(Category, "category", payload.category)
    service = queries.reference(Service, "service", payload.service)
    reporter = queries.user_by_email("reporter", payload.reporter if staff else None)
    organisation = queries.organisation_by_id(
        "organisation", payload.organisation if staff else None
    )
    team = queries.team_by_code("team", payload.team if staff else None)

    def create() -> Incident:
        return actions.do_create_incident(
            actor=user,
            channel=Channel.API,
            title=payload.title,
            description=payload.description,
            kind=payload.kind,
            impact=payload.impact,
            urgency=payload.urgency,
            contact_name=payload.contact_name,
            contact_email=payload.contact_email,
            contact_phone=payload.contact_phone,
            category=category,
            service=service,
            reporter=reporter,
            organisation=organisation,
            team=team,
            custom=payload.custom,
        )

    if idempotency_key is None:
        incident, created = create(), True
    else:
        incident, created = _create_once(user, idempotency_key, _body_hash(payload), create)
    response["Location"] = f"{request.path.rstrip('/')}/{incident.number}"
    # A new incident is answered as the action left it (its creator always sees it, and it
    # carries what IncidentOut reads); a replay as it is now. Either is IncidentOut, built as a
    # dict by `incident_out` (the schema stays the documented response).
    response.status_code = 201 if created else 200
    shown = incident if created else queries.reloaded(user, incident)
    response.content = RENDERER.render(
        request, incident_out(shown, user), response_status=response.status_code
    )
    return response


def _body_hash(payload: IncidentIn) -> str:
    """SHA-256 of the validated body with defaults filled in and keys sorted: bodies that mean
    the same hash the same."""
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _create_once(
    user: User, key: str, request_hash: str, create: Callable[[], Incident]
) -> tuple[Incident, bool]:
    """Create at most one incident per (user, key), also when two retries race.

    The unique constraint decides the race: the loser's insert fails inside its savepoint, which
    also undoes the incident it just created, and it answers with the winner's incident.
    Idempotency is an HTTP concern, so it lives here rather than in the actions.
    """
    if (replay := _replay(user, key, request_hash)) is not None:
        return replay, False
    try:
        with transaction.atomic():
            incident = create()
            IdempotencyKey.objects.create(
                user=user, key=key, request_hash=request_hash, incident=incident
            )
    except IntegrityError:
        if (replay := _replay(user, key, request_hash)) is None:
            raise
        return replay, False
    return incident, True


def _replay(user: User, key: str, request_hash: str) -> Incident | None:
    record = IdempotencyKey.objects.filter(user=user, key=key).select_related("incident").first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used with a different request body."),
            fields={"Idempotency-Key": _("Already used with a different body.")},
        )
    return record.incident


@router.get("/incidents/{number}", response=IncidentOut, summary="Get an incident")
def get_incident(request: HttpRequest, number: str, response: HttpResponse) -> Incident:
    """The `ETag` header carries the version to send back as `If-Match` when editing."""
    incident = access_incident(api_user(request), number, queryset=queries.with_related())
    return _with_etag(response, incident)


@router.patch("/incidents/{number}", response=IncidentOut, summary="Edit an incident")
@transaction.atomic
def update_incident(
    request: HttpRequest,
    number: str,
    payload: IncidentPatch,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Incident:
    """Classification and contact fields (staff), priority override (leads and admins).
    A stale version is refused with 409 `version_conflict` and `current_version`."""
    user = api_user(request)
    incident = access_incident(user, number, need="edit")
    version = _expected_version(if_match, payload.version, required=True)
    changes = payload.model_dump(
        exclude_unset=True, exclude={"version", "priority", "priority_reason", "custom"}
    )
    for field, model in (("category", Category), ("service", Service), ("cause", Cause)):
        if field in changes:
            changes[field] = queries.reference(model, field, changes[field])
    incident = actions.do_update_incident(incident, actor=user, expected_version=version, **changes)
    if {"priority", "priority_reason"} & payload.model_fields_set:
        incident = actions.do_override_priority(
            incident,
            actor=user,
            priority=payload.priority,
            reason=payload.priority_reason or "",
        )
    if payload.custom is not None:
        incident = actions.do_set_custom_fields(incident, actor=user, values=payload.custom)
    return _with_etag(response, queries.reloaded(user, incident))


# --- lifecycle verbs ---------------------------------------------------------------------------
# One endpoint per verb of `status.VERBS`, each with its own strict body. The optional If-Match
# header makes a verb refuse to act on a version the client has not seen. Whether the status
# allows the verb now is the action's call (409).


F = TypeVar("F", bound=Callable[..., Any])


def _verb(name: str, summary: str) -> Callable[[F], F]:
    return router.post(
        f"/incidents/{{number}}/actions/{name}",
        response=IncidentOut,
        summary=summary,
        url_name=f"incident_{name.replace('-', '_')}",
    )


def _target(user: User, number: str, verb: str) -> Incident:
    """The incident, if `user` sees it (else 404) and may ever use `verb` on it (else 403).

    The action checks the rights again; checking them first here means the codes and e-mails
    in the body are only looked up for someone entitled to act, so a customer cannot probe
    which agent e-mails exist through `assign`.
    """
    incident = access_incident(user, number)
    LIFECYCLE.check_rights(verb, incident, user)
    return incident


def _plain_verb(name: str, do: Callable[..., Incident], summary: str) -> None:
    """Register a verb that takes no body: only the optional If-Match."""

    @router.post(
        f"/incidents/{{number}}/actions/{name}",
        response=IncidentOut,
        summary=summary,
        url_name=f"incident_{name}",
        operation_id=f"incident_{name}",
    )
    @transaction.atomic
    def handler(
        request: HttpRequest, number: str, payload: NoBody | None = None, if_match: IfMatch = None
    ) -> Incident:
        user = api_user(request)
        incident = do(
            _target(user, number, name), actor=user, expected_version=_expected_version(if_match)
        )
        return queries.reloaded(user, incident)


_plain_verb("accept", actions.do_accept, "Accept into work")
_plain_verb("resume", actions.do_resume, "Take off hold")
_plain_verb("confirm", actions.do_confirm, "Confirm the fix (closes)")
_plain_verb("close", actions.do_close, "Close")


@_verb("assign", "Assign to a team and/or agent")
@transaction.atomic
def assign(
    request: HttpRequest, number: str, payload: AssignIn, if_match: IfMatch = None
) -> Incident:
    user = api_user(request)
    incident = actions.do_assign(
        _target(user, number, "assign"),
        actor=user,
        team=queries.team_by_code("team", payload.team),
        assignee=queries.user_by_email("assignee", payload.assignee),
        expected_version=_expected_version(if_match),
    )
    return queries.reloaded(user, incident)


@_verb("hold", "Put on hold")
@transaction.atomic
def hold(request: HttpRequest, number: str, payload: HoldIn, if_match: IfMatch = None) -> Incident:
    user = api_user(request)
    incident = actions.do_hold(
        _target(user, number, "hold"),
        actor=user,
        reason=queries.reference(HoldReason, "reason", payload.reason),
        message=payload.message,
        expected_version=_expected_version(if_match),
    )
    return queries.reloaded(user, incident)


@_verb("request-info", "Ask the customer for information")
@transaction.atomic
def request_info(
    request: HttpRequest, number: str, payload: RequestInfoIn, if_match: IfMatch = None
) -> Incident:
    user = api_user(request)
    incident = actions.do_request_info(
        _target(user, number, "request-info"),
        actor=user,
        message=payload.message,
        answer_by=queries.aware(payload.answer_by),
        expected_version=_expected_version(if_match),
    )
    return queries.reloaded(user, incident)


@_verb("resolve", "Resolve")
@transaction.atomic
def resolve(
    request: HttpRequest, number: str, payload: ResolveIn, if_match: IfMatch = None
) -> Incident:
    user = api_user(request)
    incident = actions.do_resolve(
        _target(user, number, "resolve"),
        actor=user,
        cause=queries.reference(Cause, "cause", payload.cause),
        resolution_code=queries.reference(
            ResolutionCode, "resolution_code", payload.resolution_code
        ),
        notes=payload.notes,
        expected_version=_expected_version(if_match),
    )
    return queries.reloaded(user, incident)


@_verb("reopen", "Not fixed: reopen")
@transaction.atomic
def reopen(
    request: HttpRequest, number: str, payload: ReopenIn | None = None, if_match: IfMatch = None
) -> Incident:
    user = api_user(request)
    incident = actions.do_reopen(
        _target(user, number, "reopen"),
        actor=user,
        reason=payload.reason if payload else "",
        expected_version=_expected_version(if_match),
    )
    return queries.reloaded(user, incident)


@_verb("rate", "Rate a closed incident (the customer, once)")
@transaction.atomic
def rate(request: HttpRequest, number: str, payload: RateIn) -> Incident:
    user = api_user(request)
    incident = actions.do_rate(
        _target(user, number, "rate"),
        actor=user,
        rating=payload.rating,
        comment=payload.comment,
    )
    return queries.reloaded(user, incident)


@_verb("cancel", "Cancel")
@transaction.atomic
def cancel(
    request: HttpRequest, number: str, payload: CancelIn, if_match: IfMatch = None
) -> Incident:
    user = api_user(request)
    incident = actions.do_cancel(
        _target(user, number, "cancel"),
        actor=user,
        reason=payload.reason,
        duplicate_of=queries.incident_by_number(user, "duplicate_of", payload.duplicate_of),
        expected_version=_expected_version(if_match),
    )
    return queries.reloaded(user, incident)


@_verb("link", "Link to another incident")
@transaction.atomic
def link(request: HttpRequest, number: str, payload: LinkIn, if_match: IfMatch = None) -> Incident:
    user = api_user(request)
    incident = actions.do_link(
        _target(user, number, "link"),
        actor=user,
        target=queries.incident_by_number(user, "target", payload.target),
        kind=payload.kind,
        expected_version=_expected_version(if_match),
    )
    return queries.reloaded(user, incident)


# Registered after the verbs, so it only catches names that are none of them.
@router.post("/incidents/{number}/actions/{verb}", include_in_schema=False)
def unknown_verb(request: HttpRequest, number: str, verb: str) -> None:
    raise UnknownVerb(
        _("There is no action “%(verb)s”.") % {"verb": verb}, extra={"allowed": list(VERBS)}
    )


# --- conversation ------------------------------------------------------------------------------


@router.get("/incidents/{number}/comments", response=list[CommentOut], summary="List comments")
def list_comments(request: HttpRequest, number: str) -> QuerySet[Comment]:
    """Oldest first. Customers see public replies only."""
    user = api_user(request)
    return queries.comments(user, access_incident(user, number))


@router.post("/incidents/{number}/comments", response={201: CommentOut}, summary="Add a comment")
@transaction.atomic
def add_comment(request: HttpRequest, number: str, payload: CommentIn) -> Status[Comment]:
    """A public reply, or an internal note (staff only). A customer's reply to an information
    request puts the incident back in progress. `minutes` records the time spent with it."""
    user = api_user(request)
    incident = access_incident(user, number, need="comment")
    comment = actions.do_add_comment(
        incident, actor=user, body=payload.body, visibility=payload.visibility
    )
    if payload.minutes is not None:
        kind = "reply" if comment.visibility == "public" else "note"
        actions.do_log_time(
            incident, actor=user, minutes=payload.minutes, what=kind, comment=comment
        )
    return Status(201, comment)


@router.get("/incidents/{number}/timeline", response=list[EventOut], summary="Timeline")
def timeline(request: HttpRequest, number: str) -> QuerySet[TimelineEvent]:
    """The audit trail, oldest first. Customers see public events only."""
    user = api_user(request)
    return queries.events(user, access_incident(user, number))


# --- attachments -------------------------------------------------------------------------------


@router.get(
    "/incidents/{number}/attachments", response=list[AttachmentOut], summary="List attachments"
)
def list_attachments(request: HttpRequest, number: str) -> QuerySet[Attachment]:
    user = api_user(request)
    return visible_attachments(user, access_incident(user, number))


@router.post(
    "/incidents/{number}/attachments", response={201: AttachmentOut}, summary="Upload a file"
)
@transaction.atomic
def add_attachment(
    request: HttpRequest,
    number: str,
    file: File[UploadedFile],
    comment: Form[int | None] = None,
    visibility: Form[Visibility] = Visibility.PUBLIC,
) -> Status[Attachment]:
    """Multipart upload. `comment` attaches the file to one of the incident's comments (a file
    on an internal note is internal)."""
    user = api_user(request)
    incident = access_incident(user, number, need="comment")
    on_comment = None
    if comment is not None:
        on_comment = queries.comments(user, incident).filter(pk=comment).first()
        if on_comment is None:
            raise InvalidInput.field("comment", _("No such comment on this incident."))
    attachment = actions.do_add_attachment(
        incident, actor=user, upload=file, comment=on_comment, visibility=visibility
    )
    return Status(201, attachment)


@router.get(
    "/incidents/{number}/attachments/{attachment_id}",
    summary="Download a file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file as a download under its cleaned name: an image type "
                "when its bytes are PNG, JPEG, GIF or WebP, application/octet-stream otherwise.",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in files.SERVED_TYPES
                },
            }
        }
    },
)
def download_attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    """Always a download, typed from its bytes (`incidents.files`); the console links here."""
    user = api_user(request)
    attachment = (
        visible_attachments(user, access_incident(user, number)).filter(pk=attachment_id).first()
    )
    if attachment is None:
        raise NotFound(_("Attachment %(id)d was not found.") % {"id": attachment_id})
    return files.attachment_response(attachment)
