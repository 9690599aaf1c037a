"""Sending one logged e-mail: claim it, hand it to Django's mail backend, record the result.

The claim (`queued`/`retrying` -> `sending`) is a short transaction of its own, so no database
lock is held while the SMTP server is talked to; a claimed mail is never sent by a second task.
A failure to deliver is retried later with growing pauses; after the last attempt the mail stays
`failed` in the log for an admin to see. A mail that cannot even be built (a stored value that
breaks a header) is `failed` at once with the reason: it would break the same way every time.

A mail still `sending` a task lease after its claim was left by a dead worker. We cannot know
whether the SMTP server accepted it before the worker died, so it is sent again, under the same
Message-ID: losing a customer's acknowledgement is worse than a rare duplicate, which the
receiving server or mail client can recognise by that id (`release_abandoned`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from incidesk.core.promises import promise
from incidesk.mail.models import MailState, OutgoingMail
from incidesk.mail.trust import reply_address

# Minutes to wait before each retry; one more failure after the last marks the mail failed.
# Read from the settings at each use (INCIDESK_MAIL_RETRY_MINUTES).
RETRY_MINUTES = lazy(lambda: settings.INCIDESK_MAIL_RETRY_MINUTES, tuple)()


def build_message(mail: OutgoingMail) -> EmailMultiAlternatives:
    """The multipart (text + HTML) message with threading and anti-loop headers (RFC 3834),
    replies going to the recipient's own tokened address for the incident (`trust`)."""
    kind_auto = mail.kind == "acknowledgement"
    headers = {
        "Message-ID": mail.message_id,
        "In-Reply-To": mail.in_reply_to,
        "References": mail.references,
        "Auto-Submitted": "auto-replied" if kind_auto else "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "X-Incidesk-Incident": mail.subject.partition("]")[0].lstrip("["),
        "Content-Language": mail.language,
    }
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        reply_to=[reply_address(mail.incident, mail.recipient)],
        headers={name: value for name, value in headers.items() if value},
    )
    message.attach_alternative(mail.html, "text/html")
    return message


def _claim(mail_id: int) -> OutgoingMail | None:
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.state not in (MailState.QUEUED, MailState.RETRYING):
            return None
        mail.state, mail.claimed_at = MailState.SENDING, timezone.now()
        mail.attempts += 1
        mail.save(update_fields=["state", "attempts", "claimed_at"])
        return mail


def send(mail_id: int) -> str:
    """Send the mail if it is still due; returns its state afterwards (or "skipped")."""
    mail = _claim(mail_id)
    if mail is None:
        return "skipped"
    try:
        message = build_message(mail)
        message.message()  # every header is checked here, before any server is contacted
    except Exception as error:
        reason = _("The mail could not be built: %s") % f"{type(error).__name__}: {error}"
        mail.state, mail.last_error = MailState.FAILED, reason[:2000]
        mail.save(update_fields=["state", "last_error"])
        return mail.state
    try:
        message.send()
    except Exception as error:  # any backend failure: keep the mail and try again later
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        mail.state = MailState.FAILED if mail.attempts > len(RETRY_MINUTES) else MailState.RETRYING
    else:
        mail.state, mail.sent_at, mail.last_error = MailState.SENT, timezone.now(), ""
    with transaction.atomic():  # the retrying state and the retry's task, together
        mail.save(update_fields=["state", "sent_at", "last_error"])
        if mail.state == MailState.RETRYING:
            delay = timedelta(minutes=RETRY_MINUTES[mail.attempts - 1])
            _promise_send(mail, run_after=timezone.now() + delay)
    return mail.state


def release_abandoned(expired: datetime) -> int:
    """Mails claimed before `expired` and still `sending` (their worker died) are sent again,
    under the same Message-ID; returns how many. Run by the workers' sweep (`core.promises`)."""
    count = 0
    stuck = OutgoingMail.objects.filter(state=MailState.SENDING, claimed_at__lt=expired)
    for pk in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            mail = stuck.select_for_update(skip_locked=True).filter(pk=pk).first()
            if mail is None:
                continue
            mail.state = MailState.RETRYING
            mail.last_error = _("The worker sending this mail stopped; it is sent again.")
            mail.save(update_fields=["state", "last_error"])
            _promise_send(mail)
            count += 1
    return count


def _promise_send(mail: OutgoingMail, run_after: datetime | None = None) -> None:
    from incidesk.mail.tasks import send_outgoing_mail  # tasks imports this module

    promise(send_outgoing_mail, mail.pk, run_after=run_after)
