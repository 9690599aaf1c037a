"""What went in and out by e-mail: every received message kept whole, every sent one logged.

The two tables are also the threading map: a reply's `In-Reply-To`/`References` are looked up in
both to find its incident.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Outcome(models.TextChoices):
    PENDING = "pending", _("Being processed")
    INCIDENT = "incident", _("New incident")
    COMMENT = "comment", _("Comment on an incident")
    IGNORED = "ignored", _("Ignored (automatic or noise)")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class InboundMessage(models.Model):
    """One received message, raw bytes and all, with what became of it. Unique per `key`
    (the Message-ID, or the hash of the bytes when there is none): a message delivered twice is
    processed once. Nothing is deleted: a refused or failed message stays with its reason."""

    key = models.CharField(max_length=64, unique=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    source = models.CharField(_("source"), max_length=8)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    sender = models.CharField(
        _("sender"),
        max_length=254,
        blank=True,
        db_index=False,  # `inbound_sender` in Meta starts with it
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    raw = models.BinaryField(_("raw message"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome, default=Outcome.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.ForeignKey(
        "incidents.Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("received message")
        verbose_name_plural = _("received messages")
        indexes = [
            models.Index(fields=["sender", "received_at"], name="inbound_sender"),
            models.Index(fields=["outcome", "received_at"], name="inbound_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class MailState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class OutgoingMail(models.Model):
    """One e-mail to one person about one timeline event. Unique per (recipient, event, kind),
    so a retried delivery task never queues it twice; the send task marks it sent under a row
    lock, so it is never sent twice. Its rendered text stays here as the outgoing log."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # `unique_outgoing_mail` in Meta starts with it
    )
    event = models.ForeignKey("incidents.TimelineEvent", on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # `outgoing_thread` in Meta starts with it
    )
    kind = models.CharField(_("kind"), max_length=32)
    to = models.EmailField(pgettext_lazy("recipient", "to"))
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=255)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"))
    state = models.CharField(_("state"), max_length=8, choices=MailState, default=MailState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(pgettext_lazy("message", "created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When the last attempt claimed it: a mail `sending` for longer than the task lease was left
    # by a dead worker and is sent again (`sending.release_abandoned`).
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sent e-mail")
        verbose_name_plural = _("sent e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event", "kind"], name="unique_outgoing_mail"
            )
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="outgoing_state"),
            models.Index(fields=["incident", "recipient", "created_at"], name="outgoing_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class MailboxLease(models.Model):
    """Who polls a mailbox now. Every node may run the poller; only the holder of an unexpired
    lease polls, renewing it as it goes, so a dead holder is replaced once its lease runs out."""

    name = models.CharField(max_length=32, unique=True)
    holder = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("mailbox lease")
        verbose_name_plural = _("mailbox leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder} until {self.expires_at:%H:%M:%S}"
