"""Who may see and touch which incident: the one rule every surface uses.

Lists, detail, search, timeline, comments, attachments, exports and e-mail all start from
`visible_to`; single objects come from `access_incident`, which answers "missing" and "not yours"
with the same NotFound.
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.core.errors import Forbidden, NotFound
from incidesk.incidents.models import Attachment, Comment, Incident, TimelineEvent, Visibility
from incidesk.incidents.status import FINAL_STATUSES

Need = Literal["view", "comment", "edit"]


def visible_to(user: User, queryset: QuerySet[Incident] | None = None) -> QuerySet[Incident]:
    """Incidents `user` may see: all for desk staff; a customer's own, plus their
    organisation's when it shares visibility."""
    qs = Incident.objects.all() if queryset is None else queryset
    if not user.is_active:
        return qs.none()
    if user.is_desk_staff:
        return qs
    rule = Q(reporter=user)
    if user.organisation_id and user.organisation.shared_visibility:
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
