"""What a person has been told about, per timeline event; channels (in-app, e-mail) deliver it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One person told about one timeline event. Unique per (recipient, event): a retried task
    never tells anyone twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # `unique_notification` in Meta starts with it
    )
    event = models.ForeignKey(
        "incidents.TimelineEvent", on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="unique_notification")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.recipient_id} <- {self.event_id}"


class Topic(models.TextChoices):
    """What an e-mail is about, the unit a person switches e-mail on or off for."""

    UPDATES = "updates", _("Registration and status changes")
    REPLIES = "replies", _("Replies and questions")
    ASSIGNMENTS = "assignments", _("Assignments and new incidents")
    SLA = "sla", _("Service level warnings")


class Preference(models.Model):
    """A person's choice of e-mails. No row means every topic is on: the customer must hear of
    their incident unless they said otherwise."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("send me e-mail"), default=True)
    muted_topics = models.JSONField(_("topics without e-mail"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)

    def wants_email(self, topic: str) -> bool:
        return self.email_enabled and topic not in self.muted_topics


def wants_email(user_id: int, topic: str) -> bool:
    """Whether the person takes e-mail about `topic` (yes unless they switched it off)."""
    preference = Preference.objects.filter(user_id=user_id).first()
    return preference is None or preference.wants_email(topic)
