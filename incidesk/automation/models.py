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


class OrderedRule(models.Model):
    """What routing rules and triggers share: a name, a place in the order they are tried in,
    an on/off switch and the conditions (the JSON `automation.conditions.matches` reads, kept
    as JSON so one query reads every rule)."""

    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = clean_line(self.name)
        super().save(*args, **kwargs)


class RoutingRule(OrderedRule):
    """One routing rule: when every condition holds for a new incident, its actions apply.

    Rules are tried in `order` (then id) at registration; the first that matches decides,
    unless it says `continue_matching`, when the next matching rules apply too. A field is set
    by the first matching rule that sets it; tags add up.
    """

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

    class Meta(OrderedRule.Meta):
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__isnull=True)
                | models.Q(priority__gte=1, priority__lte=5),
                name="routing_priority_range",
            )
        ]

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


class SimulationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SimulationRun(models.Model):
    """A simulation over a window too large to run in the request (`runs.start`): the draft
    rule's values, run by the worker (`tasks.run_simulation`), which reports how far it got and
    stores the result (`simulator.Simulation.as_json`) here for the console to poll."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    days = models.PositiveSmallIntegerField()
    draft = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=SimulationStatus, default=SimulationStatus.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")

    def __str__(self) -> str:
        return f"{self.pk} {self.status} {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0


class DecisionKind(models.TextChoices):
    ROUTING = "routing", _("Routing")
    ASSIGNMENT = "assignment", _("Automatic assignment")
    TRIGGER = "trigger", _("Trigger")


class Decision(models.Model):
    """What the automation decided about an incident and why: the rules that matched and their
    conditions, or the agents considered and why each was passed over. Names are copied into
    `data`, so the record still reads right after a rule or agent is renamed or deleted.
    Written once, never changed; staff only."""

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="automation_decisions",
        db_index=False,  # `decision_incident` in Meta starts with it
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


class TriggerEvent(models.TextChoices):
    """What a trigger listens to; each is a timeline event kind (`triggers.KINDS`), some
    narrowed: a reply only when a customer wrote it, a rating only when it is low."""

    REGISTERED = "registered", _("Registered")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    ASSIGNED = "assigned", _("Assigned")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    NO_ANSWER = "no_answer", _("No answer to an information request")
    LOW_RATING = "low_rating", _("Low satisfaction rating")
    # Scheduled: a state that has lasted `wait_minutes` (`automation.scheduled`).
    UNASSIGNED_FOR = "unassigned_for", _("Unassigned for a time")
    NO_UPDATE_FOR = "no_update_for", _("No update for a time")
    WAITING_FOR = "waiting_for", _("Waiting for the customer for a time")


# The events that are a state lasting a time, not a timeline event.
SCHEDULED_EVENTS = frozenset(
    {TriggerEvent.UNASSIGNED_FOR, TriggerEvent.NO_UPDATE_FOR, TriggerEvent.WAITING_FOR}
)


class Trigger(OrderedRule):
    """When an event happens to an incident whose facts meet the conditions, do something:
    set the priority, move it to a team, give it to the team lead or an agent, add tags or a
    watcher, reply to the customer, send a notice to an agent or a team. Run by the worker after
    the event commits (`automation.firing`), in `order`; every change is an ordinary action by
    the system, recorded as a `Decision`. A scheduled event (`SCHEDULED_EVENTS`) is a state
    that has lasted `wait_minutes`, counted on the incident's SLA calendar when
    `business_time` (`automation.scheduled`)."""

    event = models.CharField(_("event"), max_length=24, choices=TriggerEvent)
    wait_minutes = models.PositiveIntegerField(
        _("for (minutes)"),
        null=True,
        blank=True,
        help_text=_("For the events that are a state lasting a time: how long it must last."),
    )
    business_time = models.BooleanField(
        _("count working time only"),
        default=True,
        help_text=_("On the calendar of the incident's service level (without one: every minute)."),
    )
    priority = models.PositiveSmallIntegerField(_("set priority"), null=True, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("move to team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assign_to_lead = models.BooleanField(
        _("escalate to the team lead"),
        default=False,
        help_text=_("Assign the incident to the lead of its team (after a move, the new team's)."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    customer_message = models.TextField(
        _("reply to the customer"),
        blank=True,
        help_text=_("A public reply from the desk; placeholders as in macros."),
    )
    tags = models.JSONField(_("add tags"), default=list, blank=True)
    watcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("add a following agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notify_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("notify an agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notify_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("notify a team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Its lead and members."),
    )
    notice = models.TextField(
        _("notice text"),
        blank=True,
        help_text=_(
            "What the agent or team is told (in the app and by e-mail); placeholders as in macros."
        ),
    )

    class Meta(OrderedRule.Meta):
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__isnull=True)
                | models.Q(priority__gte=1, priority__lte=5),
                name="trigger_priority_range",
            )
        ]

    def clean(self) -> None:
        from incidesk.macros import placeholders

        self.name = clean_line(self.name)
        errors: dict[str, Any] = {}
        if self.assign_to_lead and self.assignee_id is not None:
            errors["assignee"] = _("Escalate to the team lead or assign to an agent, not both.")
        for name in ("customer_message", "notice"):
            try:
                placeholders.validate(getattr(self, name))
            except ValidationError as error:
                errors[name] = error
        errors.update(self._notice_errors())
        if self.is_scheduled and not self.wait_minutes:
            errors["wait_minutes"] = _("Say how many minutes the state must last.")
        if not self.is_scheduled and self.wait_minutes:
            errors["wait_minutes"] = _("Only the events that are a state lasting a time wait.")
        if not errors and not self.does_something():
            raise ValidationError(
                _(
                    "A trigger must do something: a priority, a team, an assignee, tags, "
                    "a watcher, a reply or a notice."
                )
            )
        if errors:
            raise ValidationError(errors)

    def _notice_errors(self) -> dict[str, Any]:
        """A notice needs both its text and someone to tell."""
        told = self.notify_agent_id is not None or self.notify_team_id is not None
        if told and not self.notice.strip():
            return {"notice": _("Write the notice the agent or team is to receive.")}
        if self.notice.strip() and not told:
            return {"notify_agent": _("Choose an agent or a team to notify.")}
        return {}

    @property
    def is_scheduled(self) -> bool:
        return self.event in SCHEDULED_EVENTS

    def does_something(self) -> bool:
        return bool(
            self.priority is not None
            or self.team_id is not None
            or self.assign_to_lead
            or self.assignee_id is not None
            or self.customer_message.strip()
            or self.tags
            or self.watcher_id is not None
            or self.notice.strip()
        )


class TriggerRun(models.Model):
    """A trigger looked at an event: one row per (trigger, event), taken first in the
    trigger's transaction, so a task run twice fires nothing twice."""

    trigger = models.ForeignKey(
        Trigger,
        on_delete=models.CASCADE,
        related_name="runs",
        db_index=False,  # `unique_trigger_run` in Meta starts with it
    )
    event = models.ForeignKey("incidents.TimelineEvent", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("trigger run")
        verbose_name_plural = _("trigger runs")
        constraints = [
            models.UniqueConstraint(fields=["trigger", "event"], name="unique_trigger_run")
        ]

    def __str__(self) -> str:
        return f"{self.trigger_id} <- {self.event_id}"


class TriggeredEvent(models.Model):
    """A timeline event a trigger's action made, with the chain's depth (1 for the changes of
    a trigger fired by a person's or the clock's event): beyond `triggers.MAX_DEPTH` nothing
    fires, so two triggers that undo each other stop. Also names the rule on the timeline."""

    event = models.OneToOneField(
        "incidents.TimelineEvent",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="triggered",
    )
    trigger = models.ForeignKey(
        Trigger, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.CharField(max_length=200)
    depth = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("event made by a trigger")
        verbose_name_plural = _("events made by triggers")

    def __str__(self) -> str:
        return f"{self.event_id}: {self.rule} ({self.depth})"
