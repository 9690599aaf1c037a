"""Routing rules, automatic assignment per team, agents' availability, and the record of every
decision the automation made on an incident ("why did this happen")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.core.text import clean_line


class RoutingRule(models.Model):
    """One routing rule: when every condition holds for a new incident, its actions apply.

    Rules are tried in `order` (then id) at registration; the first that matches decides,
    unless it says `continue_matching`, when the next matching rules apply too. A field is set
    by the first matching rule that sets it; tags add up. `conditions` is the JSON that
    `automation.conditions.matches` reads (kept as JSON so one query reads every rule).
    """

    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    priority = models.PositiveSmallIntegerField(
        _("suggested priority"),
        null=True,
        blank=True,
        help_text=_(
            "Reached by choosing the urgency: the impact stays as reported and the priority "
            "matrix decides how close the suggestion can be met."
        ),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    continue_matching = models.BooleanField(
        _("continue"),
        default=False,
        help_text=_("After this rule matches, try the next rules too."),
    )
    # With the number of rules, tells each process that its copy of the rules is stale.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__isnull=True)
                | models.Q(priority__gte=1, priority__lte=5),
                name="routing_priority_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = clean_line(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = clean_line(self.name)
        if self.team_id is None and self.priority is None and not self.tags:
            raise ValidationError(_("A rule must do something: choose a team, a priority or tags."))


class AssignmentMode(models.TextChoices):
    OFF = "off", _("Off")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    SKILLS = "skills", _("By skills")


class TeamAssignment(models.Model):
    """How a team's new incidents get an agent. The row is also the round-robin cursor: an
    automatic assignment locks it (`SELECT … FOR UPDATE`) for its whole transaction, so
    assignments to one team run one at a time and none sees a stale cursor."""

    team = models.OneToOneField(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="assignment",
    )
    mode = models.CharField(
        _("automatic assignment"), max_length=16, choices=AssignmentMode, default=AssignmentMode.OFF
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("working hours"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For agents without their own calendar. Empty: agents are always on duty."),
    )
    last_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last assigned agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("team assignment")
        verbose_name_plural = _("team assignment")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_mode_display()}"


class AgentAvailability(models.Model):
    """When an agent can be given incidents automatically: their working hours (their own
    calendar, else their team's), an absence (out of office, with an optional substitute who
    takes their turn) and their skills for assignment by skills."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="availability",
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("working hours"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    away_from = models.DateTimeField(_("away from"), null=True, blank=True)
    away_until = models.DateTimeField(
        _("away until"), null=True, blank=True, help_text=_("Empty: until further notice.")
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("substitute"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("categories"), blank=True, related_name="+"
    )
    services = models.ManyToManyField(
        "catalog.Service", verbose_name=_("services"), blank=True, related_name="+"
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)

    class Meta:
        verbose_name = _("agent availability")
        verbose_name_plural = _("agents' availability")

    def __str__(self) -> str:
        return str(self.agent)

    def clean(self) -> None:
        errors = {}
        if self.away_from and self.away_until and self.away_until <= self.away_from:
            errors["away_until"] = _("The absence must end after it begins.")
        if self.substitute_id is not None and self.substitute_id == self.agent_id:
            errors["substitute"] = _("An agent cannot stand in for themself.")
        if errors:
            raise ValidationError(errors)

    def is_away(self, at: Any) -> bool:
        """Out of office at `at`: from `away_from` until `away_until` (open-ended if empty)."""
        if self.away_from is None or at < self.away_from:
            return False
        return self.away_until is None or at < self.away_until


class DecisionKind(models.TextChoices):
    ROUTING = "routing", _("Routing")
    ASSIGNMENT = "assignment", _("Automatic assignment")


class Decision(models.Model):
    """What the automation decided about an incident and why: the rules that matched and their
    conditions, or the agents considered and why each was passed over. Names are copied into
    `data`, so the record still reads right after a rule or agent is renamed or deleted.
    Written once, never changed; staff only."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="automation_decisions"
    )
    kind = models.CharField(max_length=16, choices=DecisionKind)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("automation decision")
        verbose_name_plural = _("automation decisions")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at"], name="decision_incident")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Automation decisions are append-only.")
        super().save(*args, **kwargs)
