"""Groups of recurring incidents are computed by the task worker (`tasks.compute_groups`) and
kept here, so a web worker never loads the clustering's numpy, scipy and scikit-learn."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GroupRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class GroupRun(models.Model):
    """One grouping of the incidents of the last `days` days (`since`…`until`), as the worker
    found it: `result` holds the groups, largest and fastest-growing first, each with its
    incident ids, top terms and shared fields (`similarity.compute_groups`)."""

    days = models.PositiveSmallIntegerField()
    min_size = models.PositiveSmallIntegerField()
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=GroupRunStatus, default=GroupRunStatus.QUEUED)
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recurring-groups run")
        verbose_name_plural = _("recurring-groups runs")
        indexes = [
            models.Index(fields=["days", "min_size", "requested_at"], name="grouprun_window")
        ]

    def __str__(self) -> str:
        return f"{self.days} d, {self.status} {self.requested_at:%Y-%m-%d %H:%M}"
