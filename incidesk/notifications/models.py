"""What a person has been told about, per timeline event; channels (in-app, e-mail) deliver it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """One person told about one timeline event. Unique per (recipient, event): a retried task
    never tells anyone twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        "incidents.TimelineEvent", on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="unique_notification")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.recipient_id} <- {self.event_id}"
