"""Problems (the cause of one or more incidents), their preventive actions and history.

Only `problems.actions` writes these models; incidents point to their problem
(`Incident.problem`), written only by `incidents.actions.do_link_problem` / `do_unlink_problem`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.problems.status import ProblemStatus


class Problem(models.Model):
    """A cause of one or more incidents, `PRB-000001`.

    Invariants kept by the actions: a known error has a workaround; a resolved or closed problem
    has a root cause and `resolved_at`; `category` and `service` say which incidents count as
    recurrences of it (see `problems.recurrence`).
    """

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(pgettext_lazy("problem", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    workaround = models.TextField(_("workaround"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProblemStatus, default=ProblemStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_problems",
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_notes = models.TextField(_("resolution notes for customers"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(
        pgettext_lazy("problem", "created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(pgettext_lazy("problem", "updated"), default=timezone.now)
    resolved_at = models.DateTimeField(pgettext_lazy("problem", "resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("problem", "closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="problem_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_known_error(self) -> bool:
        return self.status == ProblemStatus.KNOWN_ERROR


class PreventiveAction(models.Model):
    """Something to do so the problem does not come back. The last one done dates the fix that
    the recurrence comparison measures from."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="preventive_actions",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("preventive action")
        verbose_name_plural = _("preventive actions")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done=False, done_at__isnull=True)
                | models.Q(done=True, done_at__isnull=False),
                name="preventive_action_done_at",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProblemEventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("problem", "Registered")
    FIELD_CHANGED = "field_changed", _("Field changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    INCIDENT_LINKED = "incident_linked", _("Incident linked")
    INCIDENT_UNLINKED = "incident_unlinked", _("Incident unlinked")
    ACTION_ADDED = "action_added", _("Preventive action added")
    ACTION_DONE = "action_done", _("Preventive action done")
    ACTION_REOPENED = "action_reopened", _("Preventive action reopened")


class AppendOnlyError(Exception):
    pass


class ProblemEvent(models.Model):
    """One entry of the problem's history: who did what, when. Never updated or deleted."""

    problem = models.ForeignKey(
        Problem,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # `problem_event` in Meta starts with it
    )
    kind = models.CharField(max_length=24, choices=ProblemEventKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("problem history event")
        verbose_name_plural = _("problem history events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["problem", "at", "id"], name="problem_event")]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("problem events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("problem events are append-only")
