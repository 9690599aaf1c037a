"""The incident record, its comments, attachments, links and the append-only timeline.

Only `incidents.actions` writes these models (the timeline through `incidents.timeline`).
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.catalog.models import Level
from incidesk.incidents.status import OPEN_STATUS_LIST, RUNNING_STATUSES, Status


class Kind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")
    PHONE = "phone", _("Phone")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")


class NumberCounter(models.Model):
    """The last number handed out per prefix. Incremented under a row lock inside the creating
    transaction, so numbers are unique and gap-free on both databases and never reused."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")

    def __str__(self) -> str:
        return f"{self.prefix}-{self.last:06d}"


class Incident(models.Model):
    """An incident or service request, from registration to closure.

    Invariants kept by the actions layer: `priority` comes from the impact x urgency matrix unless
    `priority_overridden` (with a reason on the timeline); `hold_reason` is set iff on hold;
    a resolved or closed incident has a cause, resolution code and notes; `version` grows by one
    on every change (optimistic locking).
    """

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.INCIDENT)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    impact = models.CharField(_("impact"), max_length=8, choices=Level, default=Level.MEDIUM)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Level, default=Level.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), default=3)
    priority_overridden = models.BooleanField(_("priority overridden"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW)
    hold_reason = models.ForeignKey(
        "catalog.HoldReason",
        verbose_name=_("hold reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index in Meta: NULL when registered
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index in Meta: NULL when registered
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index in Meta: NULL when registered
    )
    cause = models.ForeignKey(
        "catalog.Cause",
        verbose_name=_("cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index in Meta: NULL when registered
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_incidents",
        db_index=False,  # `inc_reporter` in Meta starts with it
    )
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        db_index=False,  # `inc_organisation` in Meta starts with it
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel, default=Channel.PORTAL)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        db_index=False,  # `inc_team` in Meta starts with it
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        db_index=False,  # `inc_assignee` in Meta starts with it
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("major incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_index=False,  # a partial index in Meta: most incidents have none
    )
    is_major = models.BooleanField(_("major incident"), default=False)
    # Labels routing rules put on at registration (`automation.routing`), for triggers and
    # people to act on; a list of short strings.
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Custom field values, code → value, checked against `fields` definitions by the actions
    # (`fields.values`); values of retired fields and choices are kept.
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    escalated = models.BooleanField(_("escalated"), default=False)
    # Due times of the running SLA clocks, copied here by `sla.clocks` so work queues can be
    # ordered by what falls due next with an index (null once a clock stops).
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    answer_by = models.DateTimeField(_("answer requested by"), null=True, blank=True)
    no_answer = models.BooleanField(_("no answer from the customer"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution_code = models.ForeignKey(
        "catalog.ResolutionCode",
        verbose_name=_("resolution code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index in Meta: NULL when registered
    )
    resolution_notes = models.TextField(_("resolution notes for the customer"), blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,  # a partial index in Meta: most incidents have none
    )
    # When the incident was merged into `duplicate_of` (null otherwise, and again after an undo):
    # the merge's undo window is read from it without a query (`status.MERGE_UNDOABLE`).
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("reopen count"), default=0)
    problem = models.ForeignKey(
        "problems.Problem",
        verbose_name=_("problem"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        db_index=False,  # a partial index in Meta: most incidents have none
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Keyset pagination: every list ordering ends with id, and each common filter
            # has an index that serves "filter + newest first" without a sort. The assignee,
            # team, reporter and organisation have no index of their own (`db_index=False`):
            # these start with them, and serve every lookup by the column alone.
            models.Index(fields=["created_at", "id"], name="inc_created"),
            models.Index(fields=["updated_at", "id"], name="inc_updated"),
            models.Index(fields=["priority", "id"], name="inc_priority"),
            models.Index(fields=["status", "created_at", "id"], name="inc_status"),
            models.Index(fields=["assignee", "status", "created_at"], name="inc_assignee"),
            models.Index(fields=["team", "status", "created_at"], name="inc_team"),
            models.Index(fields=["reporter", "created_at"], name="inc_reporter"),
            models.Index(fields=["organisation", "created_at"], name="inc_organisation"),
            models.Index(fields=["status", "resolved_at"], name="inc_resolved"),
            models.Index(fields=["response_due_at", "id"], name="inc_response_due"),
            models.Index(fields=["resolution_due_at", "id"], name="inc_resolution_due"),
            # The console's default order, open incidents by due time then priority: the
            # whole order in the index, so a page stops after its rows. Without it PostgreSQL
            # (which takes "open" and "has a due time" for independent) planned a bitmap scan
            # and a sort of every open incident: 300 ms a page at a million incidents. (SQLite
            # does not use it: Django binds the statuses as parameters, and SQLite only uses a
            # partial index whose condition the query states in literals. It walks
            # `inc_resolution_due` instead.)
            models.Index(
                fields=["resolution_due_at", "priority", "id"],
                name="inc_open_due",
                condition=models.Q(status__in=OPEN_STATUS_LIST),
            ),
            # The "breached" queue's parts, each counted by an index range of its own
            # (`console.queues.overdue_parts`): escalated incidents by status, response due
            # times, and resolution due times of running clocks. Each carries the columns the
            # count checks and the id the parts' UNION compares, so the database reads no table
            # row (1,000 scattered rows of a million-incident table: ~20 ms on SQLite; on
            # PostgreSQL, whose indexes hold no id unless named, the running clocks' part
            # was a bitmap AND of `inc_open_due` and `inc_resolved` instead, 11-60 ms).
            models.Index(
                fields=["status", "escalated", "id"],
                name="inc_escalated",
                condition=models.Q(escalated=True),
            ),
            models.Index(
                fields=["response_due_at", "status", "id"],
                name="inc_response_due_status",
                condition=models.Q(response_due_at__isnull=False),
            ),
            # Running resolution clocks past due. SQLite uses it because the count states
            # the statuses as literals (`console.queues.InLiterals`); bound, it would not.
            models.Index(
                fields=["resolution_due_at", "status", "id"],
                name="inc_running_resolution_due",
                condition=models.Q(status__in=RUNNING_STATUSES),
            ),
            # The lead overview's one grouped count of the open incidents (`console.overview`):
            # every column it groups or counts by, statuses first, so it reads three ranges
            # of this index and no table row (two passes over 75,000 table rows took 350-400
            # ms at a million incidents).
            models.Index(
                fields=[
                    "status",
                    "team",
                    "priority",
                    "assignee",
                    "escalated",
                    "response_due_at",
                    "resolution_due_at",
                ],
                name="inc_overview",
            ),
            # Links most incidents lack get partial indexes: small, and a planner (SQLite's
            # statistics especially) would not use a full index whose keys are nearly all NULL.
            models.Index(
                fields=["parent"], name="inc_children", condition=models.Q(parent__isnull=False)
            ),
            models.Index(
                fields=["duplicate_of"],
                name="inc_duplicates",
                condition=models.Q(duplicate_of__isnull=False),
            ),
            models.Index(
                fields=["problem"], name="inc_problem", condition=models.Q(problem__isnull=False)
            ),
            # Catalogue references a registration often leaves NULL (the hold reason, cause and
            # resolution code always; category and service when the reporter or the API gives
            # none): a full index would take an entry for every NULL on every insert, and no
            # query looks for NULLs. Both databases use a partial one for `col = ?` and
            # `col IN (...)` (similar incidents, the PROTECT check on deleting an entry) as they
            # did the full one; SQLite even more often, its statistics no longer counting the
            # NULLs (a hold reason's incidents were a scan of `inc_created`).
            models.Index(
                fields=["hold_reason"],
                name="inc_hold_reason",
                condition=models.Q(hold_reason__isnull=False),
            ),
            models.Index(
                fields=["category"], name="inc_category", condition=models.Q(category__isnull=False)
            ),
            models.Index(
                fields=["service"], name="inc_service", condition=models.Q(service__isnull=False)
            ),
            models.Index(
                fields=["cause"], name="inc_cause", condition=models.Q(cause__isnull=False)
            ),
            models.Index(
                fields=["resolution_code"],
                name="inc_resolution_code",
                condition=models.Q(resolution_code__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5), name="inc_priority_range"
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="inc_satisfaction_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_final(self) -> bool:
        return self.status in (Status.CLOSED, Status.CANCELLED)

    @property
    def contact_display(self) -> str:
        if self.reporter is not None:
            return self.reporter.display_name
        return self.contact_name or self.contact_email or self.contact_phone


class Comment(models.Model):
    """A reply on an incident: public (the customer sees it) or an internal note (staff only).
    An unverified comment (e-mail the desk could not tie to its claimed author) is always
    internal: agents read it, the customer never sees it, and it changed nothing."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,  # `comment_incident` in Meta starts with it
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("text"))
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility, default=Visibility.PUBLIC
    )
    verified = models.BooleanField(_("verified"), default=True)
    # The incident this comment was written on, when a merge or a split moved it here.
    moved_from = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="comment_incident")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.body[:40]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """A generated storage name: the uploaded name is kept for display only, never as a path.
    No extension either, so nothing serving the media folder could take a `.js` for a script."""
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on an incident or a comment. Internal when its comment is internal."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    visibility = models.CharField(max_length=8, choices=Visibility, default=Visibility.PUBLIC)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The incident this file was added to, when a merge or a split moved it here.
    moved_from = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    DUPLICATE_OF = "duplicate_of", _("Duplicate of")
    FOLLOW_UP_OF = "follow_up_of", _("Follow-up of")
    CHILD_OF = "child_of", _("Child of major incident")
    SPLIT_FROM = "split_from", _("Split from")


class IncidentLink(models.Model):
    """A directed link between two incidents (a later complaint follows up a closed one)."""

    source = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="links_out",
        db_index=False,  # `unique_link` in Meta starts with it
    )
    target = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("incident link")
        verbose_name_plural = _("incident links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_link"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Registered")
    FIELD_CHANGED = "field_changed", _("Field changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PUBLIC_REPLY = "public_reply", _("Public reply")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    ASSIGNED = "assigned", _("Assigned")
    PRIORITY_OVERRIDDEN = "priority_overridden", _("Priority overridden")
    LINKED = "linked", _("Linked")
    INFO_REMINDER = "info_reminder", _("Reminder to answer")
    INFO_EXPIRED = "info_expired", _("No answer in time")
    SLA_PAUSED = "sla_paused", _("SLA clock paused")
    SLA_RESUMED = "sla_resumed", _("SLA clock resumed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SLA_RETARGETED = "sla_retargeted", _("SLA target changed")
    ESCALATED = "escalated", _("Escalated")
    RATED = "rated", _("Rated by the customer")
    PROBLEM_LINKED = "problem_linked", _("Linked to a problem")
    PROBLEM_UNLINKED = "problem_unlinked", _("Unlinked from a problem")
    MACRO_APPLIED = "macro_applied", _("Macro applied")
    WATCHER_ADDED = "watcher_added", _("Watcher added")
    WATCHER_REMOVED = "watcher_removed", _("Watcher removed")
    MERGED_IN = "merged_in", _("Incident merged in")
    MERGE_UNDONE = "merge_undone", _("Merge undone")
    SPLIT = "split", _("Comment split out")
    NOTIFIED = "notified", _("Notice sent")


class WatcherSource(models.TextChoices):
    """How someone came to watch an incident."""

    PORTAL = "portal", _("Added in the portal")
    CC = "cc", _("Copied on an e-mail")
    FOLLOW = "follow", _("Follows it")
    DESK = "desk", _("Added by the desk")


# How many people may watch one incident: a Cc list of a hundred must not become a mailing list.
MAX_WATCHERS = 20


class Watcher(models.Model):
    """Someone besides the reporter who hears of an incident: a customer's colleague (they get
    its public mail, see what the reporter sees and may reply, but use none of the reporter's
    verbs) or an agent who follows it. One row per (incident, person), so a merge moves a row."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="watchers",
        db_index=False,  # `unique_watcher` in Meta starts with it
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watching",
        db_index=False,  # `watcher_person` in Meta starts with it
    )
    source = models.CharField(_("how added"), max_length=8, choices=WatcherSource)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The incident they watched, when a merge brought them here with its conversation.
    moved_from = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "person"], name="unique_watcher")
        ]
        indexes = [models.Index(fields=["person", "incident"], name="watcher_person")]

    def __str__(self) -> str:
        return f"{self.incident_id} <- {self.person_id}"


# The author may correct what they recorded for this long; after that it is what was billed.
TIME_EDIT_WINDOW_HOURS = 24


class TimeEntry(models.Model):
    """Minutes an agent spent on an incident, recorded with a reply, a note or an action.
    The author may change the minutes within `TIME_EDIT_WINDOW_HOURS`; reports sum them per
    agent and per organisation (a service provider bills by them). A merge moves the entries
    with the conversation (`moved_from`), so each minute is counted on exactly one incident."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="time_entries",
        db_index=False,  # `time_incident` in Meta starts with it
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    minutes = models.PositiveIntegerField(_("minutes spent"))
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    what = models.CharField(_("recorded with"), max_length=24, blank=True)
    # The incident the time was spent on, when a merge moved the entry here: its organisation
    # is the one billed (`analytics.timespent`), whichever incident the entry is on now.
    moved_from = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("recorded at"), default=timezone.now)
    edited_at = models.DateTimeField(_("corrected at"), null=True, blank=True)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["incident", "at"], name="time_incident"),
            models.Index(fields=["at", "author"], name="time_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=24 * 60), name="time_minutes_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.minutes} min"


class AppendOnlyError(Exception):
    pass


class TimelineEvent(models.Model):
    """One entry of the incident's audit trail: who did what, when. Never updated or deleted.

    `is_public` marks what the customer may see; `data` holds the details (old/new values,
    comment id, reason) as JSON.
    """

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # `event_incident` in Meta starts with it
    )
    kind = models.CharField(max_length=24, choices=EventKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    is_public = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at", "id"], name="event_incident")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("timeline events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("timeline events are append-only")


class Merge(models.Model):
    """What one merge moved from `source` (the duplicate) to `target`, and how the duplicate
    stood before: the record the desk reads, and what `do_unmerge` puts back within
    `INCIDESK_MERGE_UNDO_MINUTES`. `moved` holds `{"comments": [[id, visibility, moved_from],
    ...], "attachments": [...], "watchers": [[id, moved_from], ...], "time_entries": [[id,
    moved_from], ...]}`, each as it was before; `before` the duplicate's status, hold reason,
    answer deadline and its SLA clocks as they were (`sla.clocks.snapshot`)."""

    source = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="merges_out")
    target = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="merges_in")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    moved = models.JSONField(default=dict)
    before = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class IdempotencyKey(models.Model):
    """Remembers which incident an API client's Idempotency-Key created, so a retry returns it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # `unique_idempotency_key` in Meta starts with it
    )
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return self.key


class SearchDocument(models.Model):
    """The searchable text of an incident: number, title, description and public comments.

    Kept by the actions layer; indexed by FTS5 (SQLite) or a Russian tsvector GIN index
    (PostgreSQL), see `incidents.search`.
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    body = models.TextField()

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return str(self.incident_id)
