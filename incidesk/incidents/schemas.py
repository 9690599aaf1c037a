"""Request and response shapes of the incidents API.

Reference data (category, service, cause, hold reason, resolution code, team) travels by its
stable `code`, people by e-mail, incidents by number, organisations by id. Every input schema
refuses unknown fields, so a typo is an error instead of a silently ignored key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from incidesk.accounts.models import User
from incidesk.catalog.models import Level
from incidesk.core.text import clean_line
from incidesk.incidents.access import sees_field, shown_custom
from incidesk.incidents.actions import MAX_DESCRIPTION_BYTES, MAX_TITLE_LENGTH
from incidesk.incidents.models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Incident,
    Kind,
    LinkKind,
    TimelineEvent,
    Visibility,
    Watcher,
    WatcherSource,
)
from incidesk.incidents.status import Status, allowed_verbs
from incidesk.sla.models import Metric, SlaClock
from incidesk.sla.promise import promise
from incidesk.sla.schemas import SlaClockOut, sla_clock_out


def _email(value: str) -> str:
    """Django's own check, so the API takes exactly the addresses the web forms take."""
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as exc:
            raise PydanticCustomError("email", "invalid e-mail") from exc
    return value.lower()


def _line(value: Any) -> Any:
    """One-line text is cleaned before its length is checked, so the limits apply to what the
    action stores (and a title of control characters alone is an empty, refused title)."""
    return clean_line(value) if isinstance(value, str) else value


Line = BeforeValidator(_line)
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE_LENGTH), Line]
# Characters here; the action then enforces the real limit of 64 KiB of UTF-8.
LongText = Annotated[str, Field(max_length=MAX_DESCRIPTION_BYTES)]
RequiredText = Annotated[str, Field(min_length=1, max_length=MAX_DESCRIPTION_BYTES)]
ShortText = Annotated[str, Field(max_length=200), Line]
Phone = Annotated[str, Field(max_length=50), Line]
Code = Annotated[str, Field(min_length=1, max_length=50)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Number = Annotated[str, Field(min_length=1, max_length=20)]
# A custom field value: text, a date `YYYY-MM-DD` or one choice's code as a string, a number, a
# yes/no, several choices' codes as a list; null (or "" or []) clears the field.
CustomValue = bool | int | float | str | list[str] | None
CustomValues = Annotated[
    dict[str, CustomValue],
    Field(
        max_length=100,
        description="Custom field values by field code, checked against the definitions the "
        "administrators keep (type, choices, who may fill them in).",
    ),
]
Ordering = Literal[
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "priority",
    "-priority",
    "response_due_at",
    "-response_due_at",
    "resolution_due_at",
    "-resolution_due_at",
]
# Orderings by a running clock's due time list only incidents whose clock is still running.
DUE_ORDERINGS = {"response_due_at", "resolution_due_at"}


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# --- input -------------------------------------------------------------------------------------


class IncidentIn(Strict):
    """A new incident. Customers report for themselves: `reporter`, `organisation` and `team`
    are for staff registering on someone's behalf (and are ignored for customers)."""

    title: Title
    description: LongText = ""
    kind: Kind = Kind.INCIDENT
    impact: Level = Level.MEDIUM
    urgency: Level = Level.MEDIUM
    category: Code | None = None
    service: Code | None = None
    reporter: Email | None = Field(None, description="E-mail of a customer account.")
    contact_name: ShortText = ""
    contact_email: Email = ""
    contact_phone: Phone = ""
    organisation: int | None = Field(None, description="Organisation id.")
    team: Code | None = None
    custom: CustomValues = Field(default_factory=dict)


class IncidentPatch(Strict):
    """Changed fields only; omitted fields stay as they are. Send the version you edited, here
    or as `If-Match: "<version>"`. `category`, `service` and `cause` may be cleared with null;
    the other fields cannot be null (their types refuse it). `priority` overrides the matrix and
    needs `priority_reason` (team leads and administrators only)."""

    # The default None means "not sent", not null (pydantic does not validate defaults): the
    # handler reads only the fields that were set (`model_dump(exclude_unset=True)`), so each
    # keeps the type that refuses null, and mypy is told the default is on purpose.
    version: int | None = Field(None, ge=1)
    title: Title = None  # type: ignore[assignment]
    description: LongText = None  # type: ignore[assignment]
    kind: Kind = None  # type: ignore[assignment]
    impact: Level = None  # type: ignore[assignment]
    urgency: Level = None  # type: ignore[assignment]
    category: Code | None = None
    service: Code | None = None
    cause: Code | None = None
    is_major: bool = None  # type: ignore[assignment]
    contact_name: ShortText = None  # type: ignore[assignment]
    contact_email: Email = None  # type: ignore[assignment]
    contact_phone: Phone = None  # type: ignore[assignment]
    priority: int = Field(None, ge=1, le=5)  # type: ignore[assignment]
    priority_reason: RequiredText = None  # type: ignore[assignment]
    custom: CustomValues = None  # type: ignore[assignment]


class NoBody(Strict):
    """Verbs without parameters accept an empty object (or no body at all)."""


class AssignIn(Strict):
    team: Code | None = None
    assignee: Email | None = None


class HoldIn(Strict):
    reason: Code = Field(description="Hold reason code.")
    message: LongText = ""


class RequestInfoIn(Strict):
    message: RequiredText
    answer_by: datetime | None = Field(
        None, description="By when the customer should answer (default: the SLA policy's days)."
    )


class ResolveIn(Strict):
    cause: Code
    resolution_code: Code
    notes: RequiredText


class ReopenIn(Strict):
    reason: LongText = ""


class RateIn(Strict):
    rating: int = Field(ge=1, le=5, description="1 (bad) to 5 (excellent).")
    comment: LongText = ""


class CancelIn(Strict):
    reason: RequiredText
    duplicate_of: Number | None = None


class MergeIn(Strict):
    target: Number = Field(description="The incident this duplicate is merged into.")
    reason: LongText = ""


class SplitIn(Strict):
    comment: int = Field(description="The id of the comment to split out, with its files.")
    title: Title = Field(description="The title of the new incident.")


class WatcherIn(Strict):
    email: Annotated[str, Field(min_length=1, max_length=254), AfterValidator(_email)] = Field(
        description="A colleague of the incident's organisation (any address where the "
        "organisation allows it; a new one becomes a contact). Staff giving their own address "
        "follow the incident."
    )


class LinkIn(Strict):
    target: Number
    kind: LinkKind


class CommentIn(Strict):
    body: RequiredText
    visibility: Visibility = Visibility.PUBLIC
    minutes: int | None = Field(
        None, ge=1, le=24 * 60, description="Time spent with this comment (desk staff only)."
    )


class IncidentFilters(Schema):
    """List query: the filters of `queries.filter_incidents` plus ordering and paging. Team,
    assignee and cause are staff-only filters."""

    status: list[Status] | None = None
    priority: list[Annotated[int, Field(ge=1, le=5)]] | None = None
    kind: Kind | None = None
    team: Code | None = Field(None, description="Team code.")
    assignee: Email | None = Field(None, description="Assignee e-mail.")
    reporter: Email | None = Field(None, description="Reporter e-mail.")
    organisation: int | None = Field(None, description="Organisation id.")
    category: Code | None = Field(None, description="Category code; matches its children too.")
    cause: Code | None = Field(None, description="Cause code; matches its children too.")
    created_after: datetime | None = Field(
        None, description="Inclusive. A time without an offset is in the desk's time zone."
    )
    created_before: datetime | None = Field(None, description="Exclusive.")
    q: Annotated[str, Field(max_length=200)] | None = Field(None, description="Full-text search.")
    sla: Literal["breached", "breaching"] | None = Field(
        None,
        description="`breached`: a target was missed; `breaching`: a running target falls due "
        "within the hour.",
    )
    custom: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*:.+$", max_length=250)]] | None = (
        Field(
            None,
            description="`code:value`: the custom field has that value (a choice's code, a "
            "number, `true`/`false`, a date `YYYY-MM-DD`); a several-choices field: its list "
            "holds that choice. Repeat to combine (all must hold). Definitions: "
            "`GET /custom-fields`.",
        )
    )
    ordering: Ordering = "-created_at"
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")


# --- output ------------------------------------------------------------------------------------


T = TypeVar("T")


def _viewer(context: dict[str, Any]) -> User:
    viewer: User = context["request"].auth
    return viewer


def _shown(field: str, value: T, context: dict[str, Any]) -> T | None:
    """`value` if the viewer may read `field` (the access table), else null."""
    return value if sees_field(_viewer(context), field) else None


def _due(incident: Incident, metric: Metric) -> datetime | None:
    """The metric's due time (prefetched clocks: no query per incident)."""
    return next((c.due_at for c in incident.sla_clocks.all() if c.metric == metric), None)


def _code(entry: Any) -> str | None:
    return entry.code if entry is not None else None


class IncidentOut(Schema):
    """An incident as its viewer may see it. For customers the desk-internal fields (team,
    assignee, cause, parent, is_major, priority_overridden) are null."""

    number: str
    kind: Kind
    title: str
    description: str
    status: Status
    hold_reason: str | None
    impact: Level
    urgency: Level
    priority: int
    priority_overridden: bool | None
    category: str | None
    service: str | None
    cause: str | None
    resolution_code: str | None
    resolution_notes: str
    reporter: str | None
    contact_name: str
    contact_email: str
    contact_phone: str
    organisation: int | None
    team: str | None
    assignee: str | None
    parent: str | None
    is_major: bool | None
    channel: Channel
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    satisfaction: int | None
    satisfaction_comment: str
    version: int
    allowed_actions: list[str]
    escalated: bool | None
    time_spent: int | None = Field(
        None, description="Minutes the desk recorded on the incident (desk only)."
    )
    answer_by: datetime | None
    no_answer: bool
    response_due: datetime | None
    resolution_due: datetime | None
    response_promise: str | None = Field(
        description="When to expect the first response, in the viewer's language and time zone."
    )
    sla: list[SlaClockOut]
    custom: dict[str, CustomValue] = Field(
        description="Custom field values by code; customers get only those shown to them."
    )

    @staticmethod
    def resolve_custom(obj: Incident, context: dict[str, Any]) -> dict[str, Any]:
        return shown_custom(_viewer(context), obj.custom)

    @staticmethod
    def resolve_escalated(obj: Incident, context: dict[str, Any]) -> bool | None:
        return _shown("escalated", obj.escalated, context)

    @staticmethod
    def resolve_time_spent(obj: Incident, context: dict[str, Any]) -> int | None:
        # Annotated by `queries.with_related`; an incident an action just created has none yet.
        return _shown("time_spent", getattr(obj, "time_spent_total", 0), context)

    @staticmethod
    def resolve_response_due(obj: Incident) -> datetime | None:
        return _due(obj, Metric.RESPONSE)

    @staticmethod
    def resolve_resolution_due(obj: Incident) -> datetime | None:
        return _due(obj, Metric.RESOLUTION)

    @staticmethod
    def resolve_response_promise(obj: Incident, context: dict[str, Any]) -> str | None:
        clock = next((c for c in obj.sla_clocks.all() if c.metric == Metric.RESPONSE), None)
        if clock is None or clock.stopped_at is not None:
            return None
        return promise(clock, _viewer(context))

    @staticmethod
    def resolve_sla(obj: Incident) -> list[SlaClock]:
        return list(obj.sla_clocks.all())

    @staticmethod
    def resolve_hold_reason(obj: Incident) -> str | None:
        return _code(obj.hold_reason)

    @staticmethod
    def resolve_category(obj: Incident) -> str | None:
        return _code(obj.category)

    @staticmethod
    def resolve_service(obj: Incident) -> str | None:
        return _code(obj.service)

    @staticmethod
    def resolve_resolution_code(obj: Incident) -> str | None:
        return _code(obj.resolution_code)

    @staticmethod
    def resolve_cause(obj: Incident, context: dict[str, Any]) -> str | None:
        return _shown("cause", _code(obj.cause), context)

    @staticmethod
    def resolve_reporter(obj: Incident) -> str | None:
        return obj.reporter.email if obj.reporter is not None else None

    @staticmethod
    def resolve_organisation(obj: Incident) -> int | None:
        return obj.organisation_id

    @staticmethod
    def resolve_team(obj: Incident, context: dict[str, Any]) -> str | None:
        return _shown("team", _code(obj.team), context)

    @staticmethod
    def resolve_assignee(obj: Incident, context: dict[str, Any]) -> str | None:
        return _shown("assignee", obj.assignee.email if obj.assignee is not None else None, context)

    @staticmethod
    def resolve_parent(obj: Incident, context: dict[str, Any]) -> str | None:
        return _shown("parent", obj.parent.number if obj.parent is not None else None, context)

    @staticmethod
    def resolve_is_major(obj: Incident, context: dict[str, Any]) -> bool | None:
        return _shown("is_major", obj.is_major, context)

    @staticmethod
    def resolve_priority_overridden(obj: Incident, context: dict[str, Any]) -> bool | None:
        return _shown("priority_overridden", obj.priority_overridden, context)

    @staticmethod
    def resolve_allowed_actions(obj: Incident, context: dict[str, Any]) -> list[str]:
        return [verb.name for verb in allowed_verbs(obj, _viewer(context))]


def incident_out(incident: Incident, viewer: User) -> dict[str, Any]:
    """`IncidentOut` as the plain dict ninja would dump for `viewer`, in the schema's order,
    without ninja's getter and pydantic's validation of every field (a registration's 201 answers
    from it: about half a millisecond less). `test_schemas_out` holds it equal to the schema."""

    def shown(field: str, value: T) -> T | None:
        return value if sees_field(viewer, field) else None

    clocks = list(incident.sla_clocks.all())
    response = next((c for c in clocks if c.metric == Metric.RESPONSE), None)
    resolution = next((c for c in clocks if c.metric == Metric.RESOLUTION), None)
    now = timezone.now()
    return {
        "number": incident.number,
        "kind": incident.kind,
        "title": incident.title,
        "description": incident.description,
        "status": incident.status,
        "hold_reason": _code(incident.hold_reason),
        "impact": incident.impact,
        "urgency": incident.urgency,
        "priority": incident.priority,
        "priority_overridden": shown("priority_overridden", incident.priority_overridden),
        "category": _code(incident.category),
        "service": _code(incident.service),
        "cause": shown("cause", _code(incident.cause)),
        "resolution_code": _code(incident.resolution_code),
        "resolution_notes": incident.resolution_notes,
        "reporter": incident.reporter.email if incident.reporter is not None else None,
        "contact_name": incident.contact_name,
        "contact_email": incident.contact_email,
        "contact_phone": incident.contact_phone,
        "organisation": incident.organisation_id,
        "team": shown("team", _code(incident.team)),
        "assignee": shown(
            "assignee", incident.assignee.email if incident.assignee is not None else None
        ),
        "parent": shown("parent", incident.parent.number if incident.parent is not None else None),
        "is_major": shown("is_major", incident.is_major),
        "channel": incident.channel,
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
        "first_response_at": incident.first_response_at,
        "resolved_at": incident.resolved_at,
        "closed_at": incident.closed_at,
        "reopen_count": incident.reopen_count,
        "satisfaction": incident.satisfaction,
        "satisfaction_comment": incident.satisfaction_comment,
        "version": incident.version,
        "allowed_actions": [verb.name for verb in allowed_verbs(incident, viewer)],
        "escalated": shown("escalated", incident.escalated),
        "time_spent": shown("time_spent", getattr(incident, "time_spent_total", 0)),
        "answer_by": incident.answer_by,
        "no_answer": incident.no_answer,
        "response_due": response.due_at if response is not None else None,
        "resolution_due": resolution.due_at if resolution is not None else None,
        "response_promise": (
            promise(response, viewer)
            if response is not None and response.stopped_at is None
            else None
        ),
        "sla": [sla_clock_out(clock, now) for clock in clocks],
        "custom": shown_custom(viewer, incident.custom),
    }


class IncidentPage(Schema):
    items: list[IncidentOut]
    next_cursor: str | None


class CommentOut(Schema):
    """A reply or (staff only) an internal note. `author` (e-mail) is shown to staff only.
    `verified` is false for an e-mail matched to the incident only by its subject or a
    number-shaped id: its claimed author is unproven (customers never receive one)."""

    id: int
    body: str
    visibility: Visibility
    verified: bool
    author: str | None
    author_name: str | None
    created_at: datetime

    @staticmethod
    def resolve_author(obj: Comment, context: dict[str, Any]) -> str | None:
        return _shown(
            "comment.author", obj.author.email if obj.author is not None else None, context
        )

    @staticmethod
    def resolve_author_name(obj: Comment) -> str | None:
        return obj.author.display_name if obj.author is not None else None


class EventOut(Schema):
    """A timeline entry; `data` holds its details (old/new values, comment id, reason)."""

    id: int
    kind: EventKind
    at: datetime
    actor: str | None
    actor_name: str | None
    is_public: bool
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: TimelineEvent, context: dict[str, Any]) -> str | None:
        return _shown("event.actor", obj.actor.email if obj.actor is not None else None, context)

    @staticmethod
    def resolve_actor_name(obj: TimelineEvent) -> str | None:
        return obj.actor.display_name if obj.actor is not None else None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    visibility: Visibility
    comment: int | None
    created_at: datetime

    @staticmethod
    def resolve_name(obj: Attachment) -> str:
        return obj.original_name

    @staticmethod
    def resolve_comment(obj: Attachment) -> int | None:
        return obj.comment_id


class WatcherOut(Schema):
    """Someone besides the reporter who hears of the incident. The reporter sees the customers
    who watch it, the desk everyone (followers too), anyone else only their own entry."""

    id: int
    email: str
    name: str
    source: WatcherSource
    moved_from: str | None = Field(
        None, description="The incident they watched, when a merge brought them here."
    )
    created_at: datetime

    @staticmethod
    def resolve_moved_from(obj: Watcher) -> str | None:
        return obj.moved_from.number if obj.moved_from is not None else None

    @staticmethod
    def resolve_email(obj: Watcher) -> str:
        return obj.person.email

    @staticmethod
    def resolve_name(obj: Watcher) -> str:
        return obj.person.display_name
