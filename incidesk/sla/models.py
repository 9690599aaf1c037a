"""Service levels: business calendars, policies with targets per priority, and one clock per
incident and target.

Calendars are data (weekly hours plus dated exceptions) read by `sla.calendar`; clocks are written
only by `sla.clocks`, called from the incidents' actions layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.catalog.models import ReferenceEntry


class BusinessCalendar(ReferenceEntry):
    """When the desk works: a time zone, weekly working intervals and dated exceptions.
    `always_open` is a 24x7 calendar (no intervals needed)."""

    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    always_open = models.BooleanField(_("24×7"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingInterval(models.Model):
    """One working interval of a weekday, in the calendar's local time (09:00–18:00)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="intervals"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("working interval")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="interval_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    DAY_OFF = "day_off", _("Transferred day off")
    WORKING_DAY = "working_day", _("Working weekend day")
    SHORTENED = "shortened", _("Shortened day")


class CalendarException(models.Model):
    """A dated exception to the weekly hours. Holidays and days off have no hours; a working
    weekend day and a shortened day carry their hours (`start`–`end`)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="exceptions",
        db_index=False,  # `unique_calendar_day` in Meta starts with it
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind)
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("to"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="unique_calendar_day"),
            # The engine reads a day off as "no hours" and a working day as exactly one interval:
            # any other combination would be silently misread, so the database refuses it.
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[DayKind.HOLIDAY, DayKind.DAY_OFF],
                    start__isnull=True,
                    end__isnull=True,
                )
                | models.Q(
                    kind__in=[DayKind.WORKING_DAY, DayKind.SHORTENED],
                    start__isnull=False,
                    end__isnull=False,  # NULL > start is unknown, which a CHECK lets through
                    end__gt=models.F("start"),
                ),
                name="exception_hours",
                violation_error_message=_(
                    "A holiday or a day off has no hours; a working or shortened day needs both, "
                    "the end after the start."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Metric(models.TextChoices):
    RESPONSE = "response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class TargetUnit(models.TextChoices):
    """Business time on the calendar (minutes; a "day" of this kind is 24 business hours), or
    N working days ending at the end of the last working day."""

    BUSINESS_TIME = "business_time", _("Business time")
    WORKING_DAYS = "working_days", _("Working days (until end of day)")


class SlaPolicy(models.Model):
    """Targets per priority, chosen for an incident by the most specific match of organisation,
    service and kind (a policy with none of them is the default)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=16, blank=True)
    pausing_hold_reasons = models.ManyToManyField(
        "catalog.HoldReason", verbose_name=_("hold reasons that pause resolution"), blank=True
    )
    warning_thresholds = models.JSONField(_("warning thresholds, per cent"), default=list)
    raise_priority_on_breach = models.BooleanField(
        _("raise priority one step at breach"), default=False
    )
    info_request_days = models.PositiveSmallIntegerField(
        _("days the customer has to answer an information request"), default=3
    )
    no_answer_resolves = models.BooleanField(
        _("resolve when the customer does not answer in time (else back to the queue)"),
        default=False,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """How long a metric may take for one priority under a policy, on a named calendar."""

    policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.CASCADE,
        related_name="targets",
        db_index=False,  # `unique_sla_target` in Meta starts with it
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=[(p, f"P{p}") for p in range(1, 6)]
    )
    metric = models.CharField(_("metric"), max_length=16, choices=Metric)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=TargetUnit)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["policy", "priority", "metric"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority", "metric"], name="unique_sla_target"
            )
        ]

    def __str__(self) -> str:
        return f"P{self.priority} {self.get_metric_display()}: {self.amount} {self.unit}"


class ClockState(models.TextChoices):
    RUNNING = "running", pgettext_lazy("SLA clock", "Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


Pause = tuple[datetime, datetime]


def pause_entry(start: datetime, end: datetime) -> list[str]:
    """A finished pause as `SlaClock.pauses` stores it: both ends in UTC, ISO 8601."""
    return [start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()]


def read_pauses(entries: Iterable[list[str]]) -> list[Pause]:
    """The pauses stored by `pause_entry`, as instants."""
    return [(datetime.fromisoformat(start), datetime.fromisoformat(end)) for start, end in entries]


class SlaClock(models.Model):
    """One SLA metric of one incident. `due_at = add_business(started_at, target + paused)` on
    `calendar`; `paused_seconds` are business seconds. A breach is permanent (`breached_at`),
    even if the target later grows; `fired` lists the warning thresholds already sent.

    `pauses` keeps every finished pause as a real interval (`pause_entry`), the running one being
    `paused_since`; `paused_seconds` is their business time on the clock's current calendar. The
    intervals, not the total, are the record: when the clock moves to another calendar (a
    priority change) or its calendar's hours change, the total is measured again from them, as a
    sum measured on one calendar means nothing on another (a weekend is no business time on a
    Mon–Fri calendar and 48 h on 24×7). They live on the row because they are only ever read with
    the clock, which keeps list pages and bulk imports at one row per clock."""

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="sla_clocks",
        db_index=False,  # `unique_clock`'s index starts with it
    )
    metric = models.CharField(max_length=16, choices=Metric)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=16, choices=TargetUnit)
    started_at = models.DateTimeField()
    paused_seconds = models.PositiveBigIntegerField(default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    pauses = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=ClockState, default=ClockState.RUNNING)
    due_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    fired = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["id"]  # response before resolution: the order they are started in
        constraints = [models.UniqueConstraint(fields=["incident", "metric"], name="unique_clock")]
        indexes = [models.Index(fields=["state", "due_at"], name="clock_due")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.metric} {self.state}"
