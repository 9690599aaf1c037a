"""Private tracking links, and reports sent without signing in that await confirmation."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import cast

from django.db import models, transaction
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


def pending_file_path(instance: PendingFile, filename: str) -> str:
    """A generated storage name: nothing the visitor typed becomes part of a path."""
    return f"pending/{uuid.uuid4().hex}"


class PendingReport(models.Model):
    """A report sent from the portal without signing in, waiting for the owner of its address to
    confirm it through the link mailed there. Nothing is filed in anyone's name before that.

    The link's token is made when the mail is sent and only its SHA-256 is kept (`token_hash`
    is null until then). The row, its files and their stored copies go away when the report is
    confirmed, refused or found expired.
    """

    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    language = models.CharField(_("language"), max_length=8)
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=50, blank=True)
    service = models.CharField(max_length=50, blank=True)
    impact = models.CharField(max_length=16)
    urgency = models.CharField(max_length=16)
    # Custom field values as `fields.values` stored them when the report was sent.
    custom = models.JSONField(default=dict, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("report awaiting confirmation")
        verbose_name_plural = _("reports awaiting confirmation")

    def __str__(self) -> str:
        return f"{self.email}: {self.title}"

    def discard(self) -> None:
        """Delete the report and its stored files (the files once the deletion is committed; a
        file store that fails then is logged and leaves an orphan, never an error to the visitor
        whose incident is already filed)."""
        # Every pending file is saved with its file (the field is required), so each has a name.
        names = [cast(str, pending.file.name) for pending in self.files.all()]
        storage = PendingFile._meta.get_field("file").storage

        def delete_files() -> None:
            for name in names:
                storage.delete(name)

        self.delete()
        transaction.on_commit(delete_files, robust=True)


class PendingFile(models.Model):
    """A file sent with a pending report, kept under a generated name until it is confirmed."""

    report = models.ForeignKey(PendingReport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=pending_file_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("file awaiting confirmation")
        verbose_name_plural = _("files awaiting confirmation")

    def __str__(self) -> str:
        return self.original_name
