"""Core's tables: the rate-limit counters and the task outbox."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RateCounter(models.Model):
    """Requests counted against one rate limit for one caller in one window
    (`core.ratecounters`; a SQLite desk keeps them in a file of their own instead). The key
    names the window too, so a new window is a new row and nothing is ever reset; rows past
    `expires` are deleted by the recovery sweep."""

    key = models.CharField(max_length=64, primary_key=True)  # a SHA-256: no address kept in clear
    count = models.PositiveIntegerField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")

    def __str__(self) -> str:
        return self.key


class Promise(models.Model):
    """A task promised by a committed change and not yet handed to a queue outside the database
    (RQ): written in the change's transaction, relayed after the commit, or by the worker's
    sweep if the process died first (`incidesk.core.promises`). Deleted once enqueued."""

    task_path = models.CharField(max_length=255)
    args = models.JSONField(default=list)
    run_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("promised task")
        verbose_name_plural = _("promised tasks")

    def __str__(self) -> str:
        return f"{self.task_path}{tuple(self.args)}"


class PeriodicRun(models.Model):
    """When a piece of periodic work is next due, across all nodes. Every worker asks; the one
    whose conditional update moves `due_at` forward runs the work (`core.scheduler.claim`), so it
    runs once per interval however many nodes there are, and a dead node's turn falls to the
    next worker that asks."""

    name = models.CharField(max_length=64, primary_key=True)
    due_at = models.DateTimeField()

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")

    def __str__(self) -> str:
        return f"{self.name} due {self.due_at:%H:%M:%S}"


class Generation(models.Model):
    """A token that changes, in the same transaction, with every change to one set of shared
    data: processes that keep a copy of the data compare the token to know theirs is current
    (`core.generations`). Random rather than counted, so a rolled-back change can never leave a
    copy of its data under a token a later change reuses."""

    name = models.CharField(max_length=64, primary_key=True)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("data generation")
        verbose_name_plural = _("data generations")

    def __str__(self) -> str:
        return f"{self.name} {self.token}"
