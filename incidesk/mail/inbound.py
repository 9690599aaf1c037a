"""A received message becomes an incident, a comment, or a kept record of why not.

`receive` first stores the raw bytes (`store`: its own transaction, so nothing is lost whatever
happens next), then decides in a second transaction under the message's row lock (`process`): a
second delivery of the same Message-ID decides a message still pending and stops at a decided
one, and a delayed sweep decides one whose delivery died in between. Changes to incidents go
through `incidents.actions`; who may comment is decided by `incidents.access` plus "reporter or
desk staff". A reply acts as its author only when it is verified (`trust.is_verified`); one
that names its incident by the subject tag or a number-shaped id alone is kept for the desk as
an unverified comment that changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidesk.accounts.contacts import contact_for
from incidesk.accounts.models import User
from incidesk.core.errors import DomainError
from incidesk.core.promises import promise
from incidesk.core.text import clean_line
from incidesk.incidents import actions, queries
from incidesk.incidents.access import can, visible_to
from incidesk.incidents.actions import MAX_DESCRIPTION_BYTES, MAX_TITLE_LENGTH
from incidesk.incidents.models import Channel, Comment, Incident, WatcherSource
from incidesk.incidents.status import VERBS, may_use
from incidesk.mail.models import InboundMessage, Outcome, OutgoingMail
from incidesk.mail.parsing import ParsedMessage, parse
from incidesk.mail.quotes import latest_reply
from incidesk.mail.tasks import sweep_pending_mail
from incidesk.mail.trust import (
    NUMBER_SHAPED_ID,
    addressed_incident,
    dmarc_failure,
    is_desk_address,
    is_verified,
)

logger = logging.getLogger(__name__)

_NUMBER = r"[A-Z]{2,8}-\d{6,}"
_SUBJECT_TAG = re.compile(rf"\[({_NUMBER})\]", re.I)
_PREFIXES = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|aw|wg|отв|ответ|пересл|переслано|на)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.I,
)
# A reply to a resolved incident reopens it only when its first line says so.
REOPEN_KEYWORD = re.compile(r"^\s*#\s*(?:reopen|переоткрыть)\b[\s:,.!-]*", re.I)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
# A message still pending this long after it arrived was left by a delivery that died between
# storing and deciding; the sweep decides it. Deciding takes seconds, so this never races one.
SWEEP_AFTER = timedelta(minutes=5)


@dataclass
class Result:
    outcome: str
    reason: str = ""
    incident: Incident | None = None
    comment: Comment | None = None


def receive(raw: bytes, source: str) -> InboundMessage:
    """Keep and process one message. The same message again returns its record, processing it
    first if an earlier delivery stored it and died before deciding (it is still pending)."""
    return process(store(raw, source).pk)


def store(raw: bytes, source: str) -> InboundMessage:
    """Keep the raw bytes in a transaction of their own, so nothing is lost whatever happens
    next. The same transaction enqueues a delayed sweep: if this delivery dies before deciding,
    the sweep decides instead. A second delivery of the same message returns the stored row."""
    parsed = _parse(raw)
    identity = (parsed.message_id if isinstance(parsed, ParsedMessage) else "") or ""
    key = hashlib.sha256(identity.encode() if identity else raw).hexdigest()
    with transaction.atomic():
        message, created = InboundMessage.objects.get_or_create(
            key=key,
            defaults={
                "message_id": identity[:998],
                "source": source,
                "sender": (parsed.sender if isinstance(parsed, ParsedMessage) else "")[:254],
                "subject": (parsed.subject if isinstance(parsed, ParsedMessage) else "")[:255],
                "raw": raw,
            },
        )
        if created:
            run_after = message.received_at + SWEEP_AFTER
            promise(sweep_pending_mail, run_after=run_after)
    return message


def process(message_id: int) -> InboundMessage:
    """Decide what a stored message becomes, once. The row is locked and its outcome written in
    the transaction that changes the incident: a second delivery (or the sweep) waits for the
    first and finds the message decided, and a crash rolls both back, leaving it pending."""
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().get(pk=message_id)
        if message.outcome != Outcome.PENDING:
            return message
        result = _decide(message)
        message.outcome, message.reason = result.outcome, result.reason[:5000]
        message.incident, message.comment = result.incident, result.comment
        message.save(update_fields=["outcome", "reason", "incident", "comment"])
    return message


def sweep_pending() -> int:
    """Process every message still pending `SWEEP_AFTER` after it arrived: its delivery died
    between storing and deciding. Returns how many were decided now."""
    cutoff = timezone.now() - SWEEP_AFTER
    pending = InboundMessage.objects.filter(outcome=Outcome.PENDING, received_at__lte=cutoff)
    decided = 0
    for message_id in pending.order_by("received_at").values_list("pk", flat=True):
        if process(message_id).outcome != Outcome.PENDING:
            decided += 1
    if decided:
        logger.warning("%d received message(s) left pending were processed", decided)
    return decided


def _parse(raw: bytes) -> ParsedMessage | str:
    """The parsed message, or why it could not be parsed."""
    try:
        return parse(raw)
    except Exception as error:  # parse() guards itself; this is the last line of defence
        logger.exception("unparseable message")
        return f"{type(error).__name__}: {error}"


def _decide(message: InboundMessage) -> Result:
    parsed = _parse(bytes(message.raw))
    if not isinstance(parsed, ParsedMessage):
        return Result(Outcome.FAILED, _("The message could not be parsed: %s") % parsed)
    try:
        with transaction.atomic():
            result = _process(message, parsed)
    except (OperationalError, InterfaceError):
        raise  # the database is unwell: the message stays pending for a redelivery or the sweep
    except DomainError as error:
        return Result(Outcome.REFUSED, str(error.message))
    except Exception as error:
        logger.exception("message %s failed", message.pk)
        return Result(Outcome.FAILED, f"{type(error).__name__}: {error}")
    if parsed.problems:
        notes = _("Unreadable headers: %s") % ", ".join(parsed.problems)
        result.reason = f"{result.reason}\n{notes}".strip()
    return result


def automatic_reason(parsed: ParsedMessage) -> str:
    """Why the message is machine-made (auto-reply, bounce, list mail), or "" if it is not.
    Such mail is kept but never opens an incident and is never answered (RFC 3834)."""
    headers = parsed.headers
    auto = headers.get("auto-submitted", "").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if headers.get("precedence", "").strip().lower() in ("bulk", "list", "junk"):
        return f"Precedence: {headers['precedence']}"
    for name in ("x-loop", "x-autoreply", "x-autorespond"):
        if name in headers:
            return f"{name}: {headers[name]}"
    lists = sorted(name for name in headers if name.startswith("list-"))
    if lists:
        return _("Mailing-list headers: %s") % ", ".join(lists)
    if headers.get("return-path", "").replace(" ", "") == "<>":
        return _("Empty Return-Path (a bounce)")
    if parsed.sender.partition("@")[0].lower() in _BOUNCE_SENDERS:
        return _("Sent by %s (a bounce)") % parsed.sender
    if "multipart/report" in headers.get("content-type", "").lower():
        return _("A delivery report (a bounce)")
    return ""


def _rate_limited(message: InboundMessage, sender: str) -> bool:
    since = timezone.now() - timedelta(hours=1)
    recent = InboundMessage.objects.filter(sender=sender, received_at__gte=since)
    return recent.exclude(pk=message.pk).count() >= settings.INCIDESK_MAIL_RATE_LIMIT


def _language(parsed: ParsedMessage) -> str:
    """A new contact's language: English when they wrote without a Russian letter."""
    text = f"{parsed.subject} {parsed.text}"
    return settings.LANGUAGE_CODE if re.search("[а-яёА-ЯЁ]", text) else "en"


def _sender_account(parsed: ParsedMessage) -> User | None:
    known = User.objects.filter(email__iexact=parsed.sender).first()
    if known is not None:
        return known
    if settings.INCIDESK_MAIL_UNKNOWN_SENDERS == "refuse":
        return None
    return contact_for(parsed.sender, parsed.sender_name, _language(parsed))


def _process(message: InboundMessage, parsed: ParsedMessage) -> Result:
    if not parsed.from_header:
        return Result(Outcome.REFUSED, _("The message has no sender address."))
    if not parsed.sender:
        return Result(
            Outcome.REFUSED,
            _("The From header does not name exactly one valid address: %s")
            % repr(parsed.from_header[:300]),
        )
    if verdict := dmarc_failure(parsed):
        return Result(
            Outcome.REFUSED,
            _("The sender's domain failed DMARC, says our mail server: %s") % verdict[:1000],
        )
    if parsed.sender == parseaddr(settings.INCIDESK_MAIL_REPLY_TO)[1].lower() or (
        parsed.message_id and OutgoingMail.objects.filter(message_id=parsed.message_id).exists()
    ):
        return Result(Outcome.IGNORED, _("Our own message came back."))
    if reason := automatic_reason(parsed):
        return Result(Outcome.IGNORED, reason)
    if _rate_limited(message, parsed.sender):
        return Result(
            Outcome.IGNORED,
            _("More than %d messages from this sender in an hour.")
            % settings.INCIDESK_MAIL_RATE_LIMIT,
        )
    user = _sender_account(parsed)
    if user is None:
        return Result(Outcome.REFUSED, _("Unknown sender, and unknown senders are refused."))
    if not user.is_active:
        return Result(Outcome.REFUSED, _("The sender's account is deactivated."))
    return _deliver(user, parsed)


def _deliver(user: User, parsed: ParsedMessage) -> Result:
    """A reply to the incident it threads to; a verified one to a merged incident, to where
    the merge continues; anything else (a closed incident's thread too) opens an incident."""
    incident = thread_incident(parsed)
    if (
        incident is not None
        and incident.merged_at is not None
        and is_verified(parsed, incident, user)
    ):
        return _merged_reply(incident, user, parsed)
    if incident is not None and not incident.is_final:
        return _reply(incident, user, parsed, verified=is_verified(parsed, incident, user))
    return _new_incident(user, parsed, follows=incident)


# --- threading ------------------------------------------------------------------------------


def thread_incident(parsed: ParsedMessage) -> Incident | None:
    """The incident a reply belongs to: by our reply address it was sent to, by
    In-Reply-To/References (our own Message-IDs, or the messages that opened or continued an
    incident, or a number-shaped id), else by `[INC-…]` in the subject. This only finds the
    incident; whether the reply is believed is `trust.is_verified`."""
    if (incident := addressed_incident(parsed)) is not None:
        return incident
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    if ids:
        sent = OutgoingMail.objects.filter(message_id__in=ids).values_list("incident_id", flat=True)
        received = InboundMessage.objects.filter(
            message_id__in=ids, incident__isnull=False
        ).values_list("incident_id", flat=True)
        incident_id = next(iter(sent), None) or next(iter(received), None)
        if incident_id is not None:
            return Incident.objects.filter(pk=incident_id).first()
        for value in ids:
            if match := NUMBER_SHAPED_ID.match(value):
                found = Incident.objects.filter(number=match.group(1).upper()).first()
                if found is not None:
                    return found
    if match := _SUBJECT_TAG.search(parsed.subject):
        return Incident.objects.filter(number=match.group(1).upper()).first()
    return None


def clean_subject(subject: str) -> str:
    """The subject without reply/forward prefixes and our `[INC-…]` tag."""
    subject = _SUBJECT_TAG.sub(" ", subject)
    previous = None
    while previous != subject:
        previous, subject = subject, _PREFIXES.sub("", subject).strip()
    return " ".join(subject.split())


# --- outcomes -------------------------------------------------------------------------------


def _reply(incident: Incident, user: User, parsed: ParsedMessage, verified: bool) -> Result:
    may_comment = visible_to(user).filter(pk=incident.pk).exists() and can(
        user, "comment_by_mail", incident
    )
    if not may_comment:
        return Result(
            Outcome.REFUSED,
            _("%(sender)s is neither the reporter of %(number)s nor desk staff.")
            % {"sender": parsed.sender, "number": incident.number},
            incident=incident,
        )
    body = latest_reply(parsed.text)
    if not body and not parsed.attachments:
        return Result(
            Outcome.REFUSED, _("The reply has no new text and no files."), incident=incident
        )
    if not verified:
        return _unverified(incident, user, parsed, body)
    reopen = REOPEN_KEYWORD.match(body)
    comment = None
    # A watcher's "#reopen" is a comment like any other: reopening is the reporter's verb.
    if reopen and may_use(VERBS["reopen"], incident, user):
        actions.do_reopen(incident, actor=user, reason=body[reopen.end() :].strip())
        comment = incident.comments.filter(author=user).order_by("-id").first()
    elif body:
        comment = actions.do_add_comment(incident, actor=user, body=_fit(body))
    notes = "\n".join(
        filter(None, [_attach(incident, user, parsed, comment), _watch(incident, user, parsed)])
    )
    return Result(Outcome.COMMENT, notes, incident=incident, comment=comment)


def _merged_reply(merged: Incident, user: User, parsed: ParsedMessage) -> Result:
    """A verified reply to an incident merged into another lands on the one the merge
    continues: as a reply when the sender may write there (its reporter, the desk), else as an
    internal note marked from the merged incident (the target is another customer's). When
    that one is closed too, the reply opens a new incident following the merged one."""
    target = queries.merged_into(merged)
    if target is None or target.is_final:
        return _new_incident(user, parsed, follows=merged)
    if visible_to(user).filter(pk=target.pk).exists() and can(user, "comment_by_mail", target):
        return _reply(target, user, parsed, verified=True)
    body = latest_reply(parsed.text)
    if not body and not parsed.attachments:
        return Result(
            Outcome.REFUSED, _("The reply has no new text and no files."), incident=target
        )
    comment = actions.do_add_merged_reply(
        target, actor=user, body=_fit(body) or _("(no text, only files)"), merged=merged
    )
    notes = _attach(target, user, parsed, comment)
    return Result(Outcome.COMMENT, notes, incident=target, comment=comment)


def _unverified(incident: Incident, user: User, parsed: ParsedMessage, body: str) -> Result:
    """Keep a reply that proves nothing about its author for the desk only: an unverified
    internal comment (its files internal with it) that resumes, reopens and answers nothing."""
    comment = actions.do_add_comment(
        incident, actor=user, body=_fit(body) or _("(no text, only files)"), verified=False
    )
    reason = _(
        "Not verified: the message refers to %(number)s but carries no Message-ID or reply "
        "address the desk sent to %(sender)s. Kept for the desk as an unverified comment; it "
        "changed nothing."
    ) % {"number": incident.number, "sender": parsed.sender}
    notes = _attach(incident, user, parsed, comment)
    return Result(Outcome.COMMENT, f"{reason}\n{notes}".strip(), incident=incident, comment=comment)


def _new_incident(user: User, parsed: ParsedMessage, follows: Incident | None) -> Result:
    # Cleaned here as the action would, so a subject of control characters alone falls back to
    # the first line of the text or "(no subject)" instead of leaving the title empty.
    title = clean_line(clean_subject(parsed.subject)) or clean_line(
        parsed.text.strip().partition("\n")[0]
    )
    # The old incident is named and linked only when the reply proves the sender got our mail
    # about it: a subject tag or a forged reference must neither tie a stranger's complaint to
    # someone's incident nor tell the stranger that incident's status.
    if follows is not None and not is_verified(parsed, follows, user):
        follows = None
    description = parsed.text
    if follows is not None:
        note = _("Continues %(number)s, which is already %(status)s.") % {
            "number": follows.number,
            "status": follows.get_status_display().lower(),
        }
        description = f"{note}\n\n{description}"
    staff = user.is_desk_staff
    incident = actions.do_create_incident(
        actor=user,
        title=title[:MAX_TITLE_LENGTH] or _("(no subject)"),
        description=_fit(description),
        channel=Channel.EMAIL,
        contact_name=parsed.sender_name if staff else "",
        contact_email=parsed.sender if staff else "",
        follows=follows,
    )
    notes = "\n".join(
        filter(None, [_attach(incident, user, parsed, None), _watch(incident, user, parsed)])
    )
    return Result(Outcome.INCIDENT, notes, incident=incident)


def _watch(incident: Incident, user: User, parsed: ParsedMessage) -> str:
    """Make the people in Cc watchers of the incident the message opened or joined. Called only
    for a new incident or a verified reply: an unverified one must not sign anyone up for an
    incident's mail. The desk's own addresses and the sender are skipped; unknown addresses
    become contacts unless unknown senders are refused; a refusal (staff, the limit) is noted."""
    skipped = []
    for address in parsed.cc:
        if address == parsed.sender or is_desk_address(address):
            continue
        person = User.objects.filter(email__iexact=address).first()
        if person is None:
            if settings.INCIDESK_MAIL_UNKNOWN_SENDERS == "refuse":
                unknown = _("unknown address")
                skipped.append(f"{address}: {unknown}")
                continue
            person = contact_for(address, "", _language(parsed))
        if person.pk == incident.reporter_id:
            continue
        try:
            actions.do_add_watcher(incident, actor=user, person=person, source=WatcherSource.CC)
        except DomainError as error:
            skipped.append(f"{address}: {error.message}")
    if not skipped:
        return ""
    return _("Not made watchers: %s") % "; ".join(skipped)


def _fit(text: str) -> str:
    """Text cut to what an incident holds; the whole message stays in the raw copy."""
    data = text.encode()
    if len(data) <= MAX_DESCRIPTION_BYTES:
        return text
    return data[: MAX_DESCRIPTION_BYTES - 4].decode("utf-8", "ignore")


def _attach(incident: Incident, user: User, parsed: ParsedMessage, comment: Comment | None) -> str:
    """Add the message's files; one that is refused (too large, empty) is named in the reason
    and stays in the raw message."""
    skipped = []
    for attached in parsed.attachments:
        upload = SimpleUploadedFile(attached.name, attached.data, attached.content_type)
        try:
            actions.do_add_attachment(incident, actor=user, upload=upload, comment=comment)
        except DomainError as error:
            skipped.append(f"{attached.name}: {error.message}")
    if not skipped:
        return ""
    return _("Files not attached: %s") % "; ".join(skipped)
