"""Who may see and touch which incident: the one rule every surface uses.

Lists, detail, search, timeline, comments, attachments, exports and e-mail all start from
`visible_to`; single objects come from `access_incident`, which answers "missing" and "not yours"
with the same NotFound. Rights that are not a lifecycle verb are `can`/`require`; what a customer
sees of an incident and its timeline is the one table below (`CUSTOMER_FIELDS`, `PUBLIC_EVENTS`),
read by the API schemas, the API's filter guard, the exports and the timeline.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import STAFF_ROLES, User
from incidesk.core.errors import Forbidden, NotFound
from incidesk.fields import definitions
from incidesk.incidents.models import (
    Attachment,
    Comment,
    EventKind,
    Incident,
    TimelineEvent,
    Visibility,
    Watcher,
)
from incidesk.incidents.status import FINAL_STATUSES

Need = Literal["view", "comment", "edit"]

# --- what a customer sees ------------------------------------------------------------------------

# Incident fields a customer may read, filter by and export. Everything else an incident shows
# (`STAFF_FIELDS`) is the desk's own work organisation: who handles it, why it broke, grouping.
CUSTOMER_FIELDS = frozenset(
    {
        "number",
        "kind",
        "title",
        "description",
        "status",
        "hold_reason",
        "impact",
        "urgency",
        "priority",
        "category",
        "service",
        "resolution_code",
        "resolution_notes",
        "reporter",
        "contact_name",
        "contact_email",
        "contact_phone",
        "organisation",
        "channel",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "reopen_count",
        "satisfaction",
        "satisfaction_comment",
        "version",
        "allowed_actions",
        "answer_by",
        "no_answer",
        "response_due",
        "resolution_due",
        "response_promise",
        "sla",
        "custom",  # each value only where its definition says customers see it: `shown_custom`
    }
)
STAFF_FIELDS = frozenset(
    {
        "team",
        "assignee",
        "cause",
        "parent",
        "is_major",
        "priority_overridden",
        "escalated",
        "time_spent",
    }
)
# Who wrote a comment or did an event, as an e-mail address: customers see the name only.
STAFF_PEOPLE_FIELDS = frozenset({"comment.author", "event.actor"})

# Timeline event kinds a customer sees. A field change is public only for the fields below (the
# contact details and the desk's fields change quietly); a comment or file only when it is public.
PUBLIC_EVENTS = frozenset(
    {
        EventKind.CREATED,
        EventKind.FIELD_CHANGED,
        EventKind.STATUS_CHANGED,
        EventKind.PUBLIC_REPLY,
        EventKind.ATTACHMENT_ADDED,
        EventKind.RATED,
        EventKind.INFO_REMINDER,
        EventKind.INFO_EXPIRED,
    }
)
PUBLIC_FIELD_CHANGES = frozenset(
    {"title", "description", "kind", "impact", "urgency", "priority", "category", "service"}
)


def sees_field(user: User, field: str) -> bool:
    """Whether `user` may read (filter by, export) the incident field `field`."""
    return user.is_desk_staff or field in CUSTOMER_FIELDS


def shown_custom(user: User, values: dict[str, Any]) -> dict[str, Any]:
    """The custom field values `user` may read: all for the desk; for a customer those whose
    definition is customer-visible (a retired field's value stays hidden from them)."""
    if user.is_desk_staff:
        return dict(values)
    if not values:
        return {}
    known = definitions.current()
    return {
        code: value
        for code, value in values.items()
        if (found := known.get(code)) is not None and found.customer_visible
    }


def event_is_public(
    kind: EventKind, *, field: str | None = None, visibility: str | None = None
) -> bool:
    """Whether customers see a `kind` event (about `field`, or a comment/file of `visibility`).
    A custom field's change (`custom.<code>`) is public when customers see the field."""
    if kind not in PUBLIC_EVENTS:
        return False
    if kind == EventKind.FIELD_CHANGED and field is not None and field.startswith("custom."):
        found = definitions.current().get(field.removeprefix("custom."))
        return found is not None and found.customer_visible
    if kind == EventKind.FIELD_CHANGED:
        return field in PUBLIC_FIELD_CHANGES
    if kind == EventKind.ATTACHMENT_ADDED:
        return visibility == Visibility.PUBLIC
    return True


# --- rights that are not lifecycle verbs ---------------------------------------------------------

Capability = Literal[
    "edit",
    "manage_watchers",
    "follow",
    "log_time",
    "override_priority",
    "move_team",
    "comment_by_mail",
    "link_known_error",
    "write_internal",
    "attach_internal",
]

_REFUSALS = {
    "edit": _("Only support staff may change this incident."),
    "override_priority": _("Only team leads and administrators may override priority."),
    "move_team": _("Only team leads and administrators may move incidents between teams."),
    "comment_by_mail": _(
        "Only the reporter, its watchers or support staff may reply to this incident."
    ),
    "manage_watchers": _(
        "Only the reporter or support staff may change who watches this incident."
    ),
    "follow": _("Only support staff may follow incidents."),
    "log_time": _("Only support staff may record time spent."),
    "link_known_error": _("Only the reporter may link their incident to a known error."),
    "write_internal": _("Only support staff may write internal notes."),
    "attach_internal": _("Only support staff may add internal files."),
}


def can(user: User, need: Capability, incident: Incident) -> bool:
    """Whether `user` may `need` on `incident` (which they can already see). The lifecycle verbs
    (`allowed_verbs`) decide state changes; this decides the rights around them."""
    if not user.is_active:
        return False
    if need in ("override_priority", "move_team"):
        return user.is_manager
    if need in ("edit", "write_internal", "attach_internal", "follow", "log_time"):
        return user.is_desk_staff
    if need == "manage_watchers":
        return user.is_desk_staff or incident.reporter_id == user.pk
    if need == "comment_by_mail":
        # Narrower than the portal's reply (any viewer): a signed-in colleague is proven, a
        # From: header is not, so mail speaks only for the reporter, the people the incident's
        # mail goes to (its watchers: their reply must still carry their own token or one of
        # our Message-IDs to them to be believed) and the desk.
        return user.is_desk_staff or incident.reporter_id == user.pk or is_watching(user, incident)
    if need == "link_known_error":
        return user.is_customer and incident.reporter_id == user.pk
    raise ValueError(need)


def require(user: User, need: Capability, incident: Incident) -> None:
    """`can`, or Forbidden saying who may (the incident is visible, so not NotFound)."""
    if not can(user, need, incident):
        raise Forbidden(_REFUSALS[need])


def is_watching(user: User, incident: Incident) -> bool:
    """Whether `user` is one of the incident's watchers (a colleague, a Cc, a follower)."""
    return Watcher.objects.filter(incident_id=incident.pk, person_id=user.pk).exists()


def visible_watchers(user: User, incident: Incident) -> QuerySet[Watcher]:
    """The incident's watchers `user` may see: all for the desk; for the reporter (who manages
    them) the customers among them, never the agents who follow (their addresses are the
    desk's); anyone else sees only their own row, so no customer learns another's address."""
    watchers = incident.watchers.select_related("person", "moved_from")
    if user.is_desk_staff:
        return watchers
    if can(user, "manage_watchers", incident):
        return watchers.exclude(person__role__in=STAFF_ROLES)
    return watchers.filter(person=user)


def visible_to(user: User, queryset: QuerySet[Incident] | None = None) -> QuerySet[Incident]:
    """Incidents `user` may see: all for desk staff; a customer's own, those they watch, plus
    their organisation's when it shares visibility. Watching is a subquery, not a join, so an
    incident with many watchers is still one row."""
    qs = Incident.objects.all() if queryset is None else queryset
    if not user.is_active:
        return qs.none()
    if user.is_desk_staff:
        return qs
    watched = Watcher.objects.filter(person_id=user.pk).values("incident_id")
    rule = Q(reporter=user) | Q(pk__in=watched)
    if user.organisation is not None and user.organisation.shared_visibility:
        rule |= Q(organisation_id=user.organisation_id)
    return qs.filter(rule)


def access_incident(
    user: User, number: str, need: Need = "view", queryset: QuerySet[Incident] | None = None
) -> Incident:
    """The incident `number` if `user` may `need` it; NotFound if it is missing or not visible,
    Forbidden if visible but the user may not do that."""
    incident = visible_to(user, queryset).filter(number=number.upper()).first()
    if incident is None:
        raise NotFound(_("Incident %(number)s was not found.") % {"number": number})
    if need == "edit" and not user.is_desk_staff:
        raise Forbidden(_("Only support staff may change this incident."))
    if need == "comment" and incident.status in FINAL_STATUSES and not user.is_desk_staff:
        raise Forbidden(
            _("Incident %(number)s is closed: please register a new one.")
            % {"number": incident.number}
        )
    return incident


def visible_comments(user: User, incident: Incident) -> QuerySet[Comment]:
    """All comments for desk staff; for a customer the public, verified ones (an unverified
    e-mail is never shown to them as theirs, even if a bug made it public)."""
    qs = incident.comments.all()
    return qs if user.is_desk_staff else qs.filter(visibility=Visibility.PUBLIC, verified=True)


def visible_events(user: User, incident: Incident) -> QuerySet[TimelineEvent]:
    qs = incident.events.all()
    return qs if user.is_desk_staff else qs.filter(is_public=True)


def visible_attachments(user: User, incident: Incident) -> QuerySet[Attachment]:
    qs = incident.attachments.all()
    return qs if user.is_desk_staff else qs.filter(visibility=Visibility.PUBLIC)


def visible_timeline(user: User) -> QuerySet[TimelineEvent]:
    """Timeline events of every incident `user` sees, for lists that span incidents (the
    notification inbox): the desk sees them all, a customer only the public ones."""
    if user.is_active and user.is_desk_staff:
        return TimelineEvent.objects.all()  # no subquery over every incident for the desk
    return TimelineEvent.objects.filter(incident__in=visible_to(user), is_public=True)
