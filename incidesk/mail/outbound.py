"""Outgoing e-mail: which message a timeline event makes for a person, rendered in their language,
threaded per incident, logged, and handed to the send task.

What goes into a customer's mail is read through `incidents.access` (the incident must be visible
to them, comments through `visible_comments`), so an internal note never reaches a customer.
A mail that cannot be rendered (a broken template) is logged `failed` with the reason and never
sent; the other people's mail about the event still goes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.catalog.models import HoldReason
from incidesk.core import promises
from incidesk.fields import definitions
from incidesk.incidents.access import is_watching, shown_custom, visible_comments, visible_to
from incidesk.incidents.models import EventKind, Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.incidents.wording import customer_status, priority_words
from incidesk.mail.models import InboundMessage, MailState, Outcome, OutgoingMail
from incidesk.mail.tasks import send_outgoing_mail
from incidesk.mail.trust import mail_domain, new_message_id
from incidesk.notifications.models import Topic, wants_email
from incidesk.portal.stop import stop_token
from incidesk.sla.models import Metric
from incidesk.sla.promise import promise

logger = logging.getLogger(__name__)

AUTO_REPLIED = "auto-replied"
AUTO_GENERATED = "auto-generated"


@dataclass(frozen=True)
class MailKind:
    """One kind of e-mail: its templates are `mail/<name>.txt` and `mail/<name>.html`."""

    name: str
    topic: Topic
    subject: Any  # a lazy translation with %(title)s
    auto_submitted: str = AUTO_GENERATED


KINDS: dict[str, MailKind] = {
    kind.name: kind
    for kind in [
        MailKind(
            "acknowledgement", Topic.UPDATES, _("Request registered: %(title)s"), AUTO_REPLIED
        ),
        MailKind("info_request", Topic.REPLIES, _("We need information: %(title)s")),
        MailKind("info_reminder", Topic.REPLIES, _("Reminder: we await your answer")),
        MailKind("info_expired", Topic.UPDATES, _("No answer received: %(title)s")),
        MailKind("in_progress", Topic.UPDATES, _("Taken into work: %(title)s")),
        MailKind("resumed", Topic.UPDATES, _("Back in work: %(title)s")),
        MailKind("on_hold", Topic.UPDATES, _("On hold: %(title)s")),
        MailKind("resolved", Topic.UPDATES, _("Resolved: %(title)s")),
        MailKind("closed", Topic.UPDATES, _("Closed: %(title)s")),
        MailKind("satisfaction", Topic.UPDATES, _("How did we do? %(title)s")),
        MailKind("reopened", Topic.UPDATES, _("Reopened: %(title)s")),
        MailKind("cancelled", Topic.UPDATES, _("Cancelled: %(title)s")),
        MailKind("merged", Topic.UPDATES, _("Merged into another request: %(title)s")),
        MailKind("reply", Topic.REPLIES, _("New reply: %(title)s")),
        MailKind("new_incident", Topic.ASSIGNMENTS, _("New incident: %(title)s")),
        MailKind("assigned", Topic.ASSIGNMENTS, _("Assigned to you: %(title)s")),
        MailKind("customer_reply", Topic.REPLIES, _("Customer replied: %(title)s")),
        MailKind("reopened_desk", Topic.UPDATES, _("Reopened by the customer: %(title)s")),
        MailKind("sla_alert", Topic.SLA, _("Service level alert: %(title)s")),
        MailKind("notice", Topic.UPDATES, _("Notice: %(title)s")),
    ]
}


def _status_kinds(event: TimelineEvent) -> list[str]:
    new, data = event.data.get("new"), event.data
    if new == Status.IN_PROGRESS:
        if data.get("reopen"):
            return ["reopened"]
        return ["resumed" if data.get("old") == Status.ON_HOLD else "in_progress"]
    if new == Status.ON_HOLD:
        asks = data.get("hold_reason") == HoldReason.AWAITING_CUSTOMER
        return ["info_request" if asks else "on_hold"]
    if new == Status.CANCELLED and data.get("merged_into"):
        return ["merged"]
    return {
        Status.RESOLVED: ["resolved"],
        Status.CLOSED: ["closed", "satisfaction"],
        Status.CANCELLED: ["cancelled"],
    }.get(new, [])


def _asks_for_info(event: TimelineEvent) -> bool:
    """Whether this public reply is the question of an information request: that mail carries
    it, so the reply itself makes none. The request writes the reply and then the status change
    under the incident's row lock, so no other reply or status change comes between them."""
    following = (
        event.incident.events.filter(
            pk__gt=event.pk, kind__in=[EventKind.STATUS_CHANGED, EventKind.PUBLIC_REPLY]
        )
        .order_by("pk")
        .first()
    )
    return (
        following is not None
        and following.kind == EventKind.STATUS_CHANGED
        and following.actor_id == event.actor_id
        and following.data.get("answer_by") is not None
    )


# What the reporter alone is asked to do: a watcher gets the news but not the question.
REPORTER_ONLY_KINDS = frozenset({"satisfaction"})


def kinds_for(event: TimelineEvent, person: User) -> list[str]:
    """The e-mails `event` makes for `person` (often none: not every event is worth a mail)."""
    incident = event.incident
    if person.is_desk_staff:
        return _desk_kinds(event, person)
    if not event.is_public:
        return []
    if person.pk == incident.reporter_id:
        return _customer_kinds(event)
    if is_watching(person, incident):
        # The reporter's news, not what asks for the reporter's verbs (rating).
        return [kind for kind in _customer_kinds(event) if kind not in REPORTER_ONLY_KINDS]
    return []


def _desk_kinds(event: TimelineEvent, person: User) -> list[str]:
    """The e-mails `event` makes for desk staff."""
    actor_is_customer = event.actor is not None and event.actor.is_customer
    if event.kind == EventKind.CREATED:
        return ["new_incident"]
    if event.kind == EventKind.ASSIGNED and person.pk == event.incident.assignee_id:
        return ["assigned"]
    if event.kind == EventKind.PUBLIC_REPLY and actor_is_customer:
        return ["customer_reply"]
    if event.kind == EventKind.STATUS_CHANGED and event.data.get("reopen"):
        return ["reopened_desk"]
    if event.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED, EventKind.ESCALATED):
        return ["sla_alert"]
    if event.kind == EventKind.NOTIFIED and person.email in event.data.get("to", []):
        return ["notice"]  # a trigger's notice, to the staff it names
    return []


def _customer_kinds(event: TimelineEvent) -> list[str]:
    """The e-mails a public `event` makes for the customers of its incident."""
    if event.kind == EventKind.CREATED:
        return ["acknowledgement"]
    if event.kind == EventKind.STATUS_CHANGED:
        return _status_kinds(event)
    if event.kind == EventKind.PUBLIC_REPLY:
        return [] if _asks_for_info(event) else ["reply"]
    kinds: dict[str, list[str]] = {
        EventKind.INFO_REMINDER: ["info_reminder"],
        EventKind.INFO_EXPIRED: ["info_expired"],
    }
    return kinds.get(event.kind, [])


def queue_mail(event: TimelineEvent, person: User) -> list[OutgoingMail]:
    """Render and log the e-mails `event` makes for `person`, once each, and queue their
    sending. Returns the mails created now (none on a repeated call)."""
    if not person.email or not person.is_active:
        return []
    if not visible_to(person).filter(pk=event.incident_id).exists():
        return []
    created = []
    for name in kinds_for(event, person):
        kind = KINDS[name]
        if not wants_email(person.pk, kind.topic):
            continue
        if OutgoingMail.objects.filter(recipient=person, event=event, kind=name).exists():
            continue
        try:
            mail = _render(event, person, kind)
        except Exception as error:  # rendering again would fail again: log it, never send it
            logger.exception("mail %s for event %s could not be rendered", name, event.pk)
            mail = _unrenderable(event, person, kind, error)
        try:
            with transaction.atomic():  # the mail and the promise to send it, together
                mail.save()
                if mail.state == MailState.QUEUED:
                    promises.promise(send_outgoing_mail, mail.pk)
        except IntegrityError:  # a concurrent run logged it first
            continue
        created.append(mail)
    return created


# --- rendering ------------------------------------------------------------------------------


def root_message_id(number: str) -> str:
    """The Message-ID every mail of one incident refers to, so clients thread them together."""
    return f"<{number}@{mail_domain()}>"


def incident_url(incident: Incident) -> str:
    return f"{settings.INCIDESK_BASE_URL}/incidents/{incident.number}/"


def _threading(incident: Incident, person: User) -> tuple[str, list[str]]:
    """In-Reply-To and References: the incident's root id, the message that opened it (if it
    came by e-mail), and the last mail this person got about it."""
    references = [root_message_id(incident.number)]
    origin = (
        InboundMessage.objects.filter(incident=incident, outcome=Outcome.INCIDENT)
        .exclude(message_id="")
        .values_list("message_id", flat=True)
        .first()
    )
    if origin:
        references.append(origin)
    previous = (
        OutgoingMail.objects.filter(incident=incident, recipient=person)
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)
        .first()
    )
    if previous:
        references.append(previous)
    return references[-1], references


def _render(event: TimelineEvent, person: User, kind: MailKind) -> OutgoingMail:
    incident = event.incident
    zone = ZoneInfo(person.time_zone or settings.TIME_ZONE)
    with translation.override(person.language), timezone.override(zone):
        context = {**_context(event, person), "kind": kind.name}
        subject = f"[{incident.number}] " + str(kind.subject) % {"title": incident.title}
        text = re.sub(r"\n{3,}", "\n\n", render_to_string(f"mail/{kind.name}.txt", context))
        html = render_to_string(f"mail/{kind.name}.html", context)
    in_reply_to, references = _threading(incident, person)
    return OutgoingMail(
        recipient=person,
        event=event,
        incident=incident,
        kind=kind.name,
        to=person.email,
        language=person.language,
        subject=" ".join(subject.split())[:255],  # a stored title's line breaks end here
        message_id=new_message_id(),
        in_reply_to=in_reply_to,
        references=" ".join(references),
        text=text,
        html=html,
    )


def _unrenderable(
    event: TimelineEvent, person: User, kind: MailKind, error: Exception
) -> OutgoingMail:
    """The log entry of a mail that could not be rendered: failed, with the reason."""
    return OutgoingMail(
        recipient=person,
        event=event,
        incident=event.incident,
        kind=kind.name,
        to=person.email,
        language=person.language,
        subject=f"[{event.incident.number}] {kind.name}",
        message_id=new_message_id(),
        state=MailState.FAILED,
        last_error=(_("The mail could not be rendered: %s") % f"{type(error).__name__}: {error}")[
            :2000
        ],
    )


def _when(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "j E Y, H:i") if value else ""


def _response_promise(incident: Incident, person: User) -> str:
    """The same words the API shows the customer (`response_promise`), even if the desk has
    already answered by the time this mail is rendered."""
    clock = incident.sla_clocks.filter(metric=Metric.RESPONSE).first()
    return promise(clock, person) if clock is not None and clock.due_at else ""


def _comment(person: User, incident: Incident, comment_id: int | None) -> Any:
    if comment_id is None:
        return None
    return visible_comments(person, incident).select_related("author").filter(pk=comment_id).first()


def _question(event: TimelineEvent, person: User) -> Any:
    """The public message that asked for information: the latest one up to `event`."""
    return (
        visible_comments(person, event.incident)
        .filter(created_at__lte=event.at, author__isnull=False)
        .exclude(author=event.incident.reporter)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )


def _custom_values(incident: Incident, person: User) -> list[tuple[str, str]]:
    """The custom field values `person` may read, in words in their language: a customer only
    those whose definition customers see, never an internal one (no query without values)."""
    if not incident.custom:
        return []
    return definitions.current().described(shown_custom(person, incident.custom))


def _context(event: TimelineEvent, person: User) -> dict[str, Any]:
    incident = Incident.objects.select_related(
        "reporter", "assignee", "hold_reason", "resolution_code"
    ).get(pk=event.incident_id)
    data = event.data
    watcher = not person.is_desk_staff and person.pk != incident.reporter_id
    context: dict[str, Any] = {
        "name": person.full_name,
        "incident": incident,
        "number": incident.number,
        "title": incident.title,
        "status": incident.get_status_display()
        if person.is_desk_staff
        else customer_status(incident),
        "priority": incident.priority,
        "priority_words": priority_words(incident.priority),
        "url": incident_url(incident),
        "for_customer": not person.is_desk_staff,
        # A customer who watches someone else's incident: the news in words that do not call it
        # theirs, nothing that asks for the reporter's verbs, and how to stop (`_watcher.txt`).
        "watcher": watcher,
        # Without signing in: a watcher from a Cc is often a contact with no password.
        "stop_url": settings.INCIDESK_BASE_URL
        + reverse("portal:stop_watching", args=[stop_token(incident.pk, person.pk)])
        if watcher
        else "",
        # A contact (known only by address) has no password yet: the link lets them choose one
        # and follow their incidents in the portal.
        "choose_password_url": ""
        if person.has_usable_password()
        else settings.INCIDESK_BASE_URL + reverse("web:password_reset"),
        "auto_close_days": settings.INCIDESK_AUTO_CLOSE_DAYS,
        "data": data,
    }
    if event.kind == EventKind.CREATED and not person.is_desk_staff:
        context["promise"] = _response_promise(incident, person)
    if event.kind == EventKind.PUBLIC_REPLY:
        context["comment"] = _comment(person, incident, data.get("comment_id"))
    if event.kind in (EventKind.STATUS_CHANGED, EventKind.INFO_REMINDER, EventKind.INFO_EXPIRED):
        answer_by = data.get("answer_by")
        context["answer_by"] = _when(datetime.fromisoformat(answer_by)) if answer_by else ""
        if answer_by and event.kind != EventKind.INFO_EXPIRED:
            context["question"] = _question(event, person)
    if data.get("hold_reason") and data.get("new") == Status.ON_HOLD:
        context["hold_reason"] = HoldReason.objects.filter(code=data["hold_reason"]).first()
    if data.get("new") == Status.RESOLVED:
        context["resolution_code"] = incident.resolution_code
        context["resolution_notes"] = incident.resolution_notes
    if event.kind == EventKind.CREATED or data.get("new") == Status.RESOLVED:
        context["custom_values"] = _custom_values(incident, person)
    if event.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED, EventKind.ESCALATED):
        context["sla_kind"] = event.get_kind_display()
        context["metric"] = Metric(data["metric"]).label if data.get("metric") else ""
    return context
