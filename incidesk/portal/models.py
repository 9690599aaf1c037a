"""Private tracking links: how someone who reported without an account follows their incident."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TrackingLink(models.Model):
    """An unguessable token that opens one incident, acting as its reporter. Only the hash is
    stored, so a copy of the database opens nothing; a number alone never opens an incident."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="tracking_link"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tracking link")
        verbose_name_plural = _("tracking links")

    def __str__(self) -> str:
        return f"{self.incident_id}"

    @classmethod
    def issue(cls, incident) -> str:
        """Create the link for `incident`; returns the token, which is never stored."""
        token = secrets.token_urlsafe(32)
        cls.objects.create(incident=incident, token_hash=hash_token(token))
        return token

    @classmethod
    def find(cls, token: str) -> TrackingLink | None:
        return cls.objects.select_related("incident").filter(token_hash=hash_token(token)).first()
