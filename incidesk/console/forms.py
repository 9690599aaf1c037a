"""The console's forms: queue filters, saved views, bulk actions and one form per workspace verb.

Workspace forms only parse input; each `perform` hands it to `incidents.actions`, which decides.
Every one carries the incident `version` it was rendered with (passed on as `expected_version`)
and the last timeline event the agent saw, so a conflict can show what changed since.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.accounts.models import Organisation, Team, User
from incidesk.catalog.models import Category, Cause, HoldReason, Level, ResolutionCode, Service
from incidesk.console.customfields import CustomFieldsMixin
from incidesk.console.queues import QUEUES
from incidesk.core.errors import InvalidInput
from incidesk.core.text import LineField
from incidesk.fields import definitions
from incidesk.fields.forms import filter_field, filter_text
from incidesk.fields.values import error_key, filter_condition
from incidesk.incidents import actions, queries
from incidesk.incidents.actions.timekeeping import MAX_MINUTES
from incidesk.incidents.models import Channel, Comment, Incident, Kind, LinkKind, WatcherSource
from incidesk.incidents.status import Status
from incidesk.problems.models import Problem
from incidesk.web.forms import (
    BootstrapForm,
    DateInput,
    KeptSelect,
    StaffChoiceField,
    TreeChoiceField,
    active_tree,
    staff_users,
)

PRIORITIES = [(p, f"P{p}") for p in range(1, 6)]


# --- queues -----------------------------------------------------------------------------------

ORDERINGS = {
    "due": ("resolution_due_at,priority", _("SLA due time, then priority")),
    "priority": ("priority", _("Priority")),
    "newest": ("-created_at", _("Newest first")),
    "updated": ("-updated_at", _("Recently updated")),
}


class QueueFilterForm(BootstrapForm, forms.Form):
    """The queue page's query string. Invalid values are dropped rather than refused: a stale
    saved view should still open."""

    queue = forms.ChoiceField(choices=[(c, q.label) for c, q in QUEUES.items()], required=False)
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    only_queue = forms.BooleanField(label=_("Only in this queue"), required=False)
    status = forms.MultipleChoiceField(label=_("Status"), choices=Status.choices, required=False)
    priority = forms.TypedMultipleChoiceField(
        label=_("Priority"), choices=PRIORITIES, coerce=int, required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All teams"),
        widget=KeptSelect,
    )
    assignee = StaffChoiceField(
        label=_("Assignee"),
        queryset=staff_users(),
        to_field_name="email",
        required=False,
        empty_label=_("Anyone"),
        widget=KeptSelect,
    )
    category = TreeChoiceField(
        label=_("Category"),
        queryset=active_tree(Category),
        to_field_name="code",
        required=False,
        empty_label=_("All categories"),
        widget=KeptSelect,
    )
    cause = TreeChoiceField(
        label=_("Cause"),
        queryset=active_tree(Cause),
        to_field_name="code",
        required=False,
        empty_label=_("All causes"),
        widget=KeptSelect,
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("All organisations"),
        widget=KeptSelect,
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False
    )
    created_from = forms.DateField(label=_("Created from"), widget=DateInput, required=False)
    created_to = forms.DateField(label=_("Created to"), widget=DateInput, required=False)
    ordering = forms.ChoiceField(
        label=_("Order"),
        choices=[
            ("", _("Usual order")),
            *((code, label) for code, (_o, label) in ORDERINGS.items()),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("status", "priority"):
            self.fields[name].widget.attrs["size"] = len(self.fields[name].choices)
        # A filter per active custom field, named as its values are (`custom.<code>`).
        self.definitions = definitions.current()
        for definition in self.definitions.all:
            if definition.active:
                self.fields[error_key(definition.code)] = filter_field(definition)

    def values(self) -> dict[str, Any]:
        """The valid filters only (call after is_valid())."""
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors and v}

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `queries.filter_incidents` (channel is applied apart)."""
        values = self.values()
        return {
            "q": values.get("q"),
            "status": values.get("status"),
            "priority": values.get("priority"),
            "team": values["team"].code if "team" in values else None,
            "assignee": values["assignee"].email if "assignee" in values else None,
            "category": values["category"].code if "category" in values else None,
            "cause": values["cause"].code if "cause" in values else None,
            "organisation": values["organisation"].pk if "organisation" in values else None,
            "created_after": _day_start(values.get("created_from")),
            "created_before": _day_start(values.get("created_to"), days=1),
            "custom": self._custom_condition(values),
        }

    def _custom_condition(self, values: dict[str, Any]) -> Q:
        """The custom field filters as one condition; a value of the wrong type (a number
        filter with letters) is dropped with its error shown, like every invalid filter."""
        condition = Q()
        for definition in self.definitions.all:
            name = error_key(definition.code)
            if name not in values:
                continue
            pair = f"{definition.code}:{filter_text(values[name])}"
            try:
                condition &= filter_condition([pair], self.definitions, customer=False)
            except InvalidInput as error:
                self.add_error(name, error.message)
        return condition

    def is_filtered(self) -> bool:
        return any(k not in ("queue", "ordering", "only_queue") for k in self.values())


def _day_start(day: Any, days: int = 0) -> datetime | None:
    """Midnight of `day` (+ `days`) in the viewer's time zone."""
    if day is None:
        return None
    moment = datetime.combine(day + timedelta(days=days), time.min)
    return timezone.make_aware(moment, timezone.get_current_timezone())


class SavedViewForm(BootstrapForm, forms.Form):
    name = LineField(
        label=_("Name of the view"),
        max_length=80,
        widget=forms.TextInput(attrs={"class": "form-control-sm", "placeholder": _("View name")}),
    )
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)


class BulkForm(BootstrapForm, forms.Form):
    """One action for every ticked incident; each goes through its own action call."""

    ACTIONS = [
        ("assign", _("Assign to agent")),
        ("team", _("Move to team")),
        ("duplicate", _("Resolve as duplicate of")),
        ("merge", _("Merge into")),
        ("close", _("Close")),
    ]
    incident = forms.MultipleChoiceField(label=_("Incidents"), choices=[])
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = StaffChoiceField(
        label=_("Agent"),
        queryset=staff_users(),
        to_field_name="email",
        required=False,
        empty_label=_("— choose an agent —"),
        widget=KeptSelect,
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("— choose a team —"),
        widget=KeptSelect,
    )
    original = forms.CharField(label=_("Original incident number"), max_length=20, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        numbers = self.data.getlist("incident") if hasattr(self.data, "getlist") else []
        self.fields["incident"].choices = [(n, n) for n in numbers]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        needs = {"assign": "assignee", "team": "team", "duplicate": "original", "merge": "original"}
        field = needs.get(data.get("action", ""))
        if field and not data.get(field):
            self.add_error(field, _("This field is required."))
        return data


# --- workspace --------------------------------------------------------------------------------


class VersionedForm(BootstrapForm, forms.Form):
    """Carries what the agent saw: the incident's version and its newest timeline event."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen_event = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Recorded with the reply, note or action by the view (`actions.do_log_time`).
    minutes = forms.IntegerField(
        label=_("Time spent, minutes"), min_value=1, max_value=MAX_MINUTES, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "minutes" in self.fields:  # last: the verb's own fields come first (and get focus)
            self.fields["minutes"] = self.fields.pop("minutes")

    def perform(self, incident: Incident, actor: User) -> Any:
        raise NotImplementedError

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]


class AcceptForm(VersionedForm):
    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_accept(incident, actor=actor, expected_version=self.expected_version)


class ResumeForm(VersionedForm):
    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_resume(incident, actor=actor, expected_version=self.expected_version)


class CloseForm(VersionedForm):
    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_close(incident, actor=actor, expected_version=self.expected_version)


class ConfirmForm(VersionedForm):
    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_confirm(incident, actor=actor, expected_version=self.expected_version)


class AssignForm(VersionedForm):
    """Starts from the current team and assignee, so changing one keeps the other."""

    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("— no team —"),
    )
    assignee = StaffChoiceField(
        label=_("Agent"),
        queryset=staff_users(),
        to_field_name="email",
        required=False,
        empty_label=_("— nobody —"),
    )

    @classmethod
    def initial_for(cls, incident: Incident) -> dict[str, Any]:
        return {
            "team": incident.team.code if incident.team_id else None,
            "assignee": incident.assignee.email if incident.assignee_id else None,
        }

    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_assign(
            incident,
            actor=actor,
            team=self.cleaned_data["team"],
            assignee=self.cleaned_data["assignee"],
            expected_version=self.expected_version,
        )


class HoldForm(VersionedForm):
    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=HoldReason.objects.filter(is_active=True), to_field_name="code"
    )
    message = forms.CharField(
        label=_("Note (internal)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_hold(
            incident,
            actor=actor,
            reason=self.cleaned_data["reason"],
            message=self.cleaned_data["message"],
            expected_version=self.expected_version,
        )


class RequestInfoForm(VersionedForm):
    message = forms.CharField(
        label=_("Question to the customer"), widget=forms.Textarea(attrs={"rows": 3})
    )
    answer_by = forms.DateTimeField(
        label=_("Answer by"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
        help_text=_("Empty: the SLA policy's default."),
    )

    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_request_info(
            incident,
            actor=actor,
            message=self.cleaned_data["message"],
            answer_by=self.cleaned_data["answer_by"],
            expected_version=self.expected_version,
        )


class ResolveForm(CustomFieldsMixin, VersionedForm):
    only_required_to_resolve = True
    cause = TreeChoiceField(label=_("Cause"), queryset=active_tree(Cause), to_field_name="code")
    resolution_code = forms.ModelChoiceField(
        label=_("Resolution code"),
        queryset=ResolutionCode.objects.filter(is_active=True),
        to_field_name="code",
    )
    notes = forms.CharField(
        label=_("Result and instructions for the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def perform(self, incident: Incident, actor: User) -> Incident:
        version: int | None = self.expected_version
        if self.custom_values():  # required fields filled in on the way; the row stays locked
            incident, version = CustomFieldsMixin.perform(self, incident, actor), None
        return actions.do_resolve(
            incident,
            actor=actor,
            cause=self.cleaned_data["cause"],
            resolution_code=self.cleaned_data["resolution_code"],
            notes=self.cleaned_data["notes"],
            expected_version=version,
        )


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why it is not fixed (public)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_reopen(
            incident,
            actor=actor,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected_version,
        )


class CancelForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    duplicate_of = forms.CharField(
        label=_("Duplicate of (number of the original)"), max_length=20, required=False
    )

    def perform(self, incident: Incident, actor: User) -> Incident:
        number = self.cleaned_data["duplicate_of"].strip() or None
        return actions.do_cancel(
            incident,
            actor=actor,
            reason=self.cleaned_data["reason"],
            duplicate_of=queries.incident_by_number(actor, "duplicate_of", number),
            expected_version=self.expected_version,
        )


class LinkForm(VersionedForm):
    target = forms.CharField(label=_("Incident number"), max_length=20)
    kind = forms.ChoiceField(
        label=pgettext_lazy("noun", "Link"), choices=LinkKind.choices, initial=LinkKind.CHILD_OF
    )

    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_link(
            incident,
            actor=actor,
            target=queries.incident_by_number(actor, "target", self.cleaned_data["target"]),
            kind=self.cleaned_data["kind"],
            expected_version=self.expected_version,
        )


class MergeForm(VersionedForm):
    """Merge this incident, a duplicate, into the one it repeats."""

    target = forms.CharField(label=_("Merge into (number of the original)"), max_length=20)
    reason = forms.CharField(
        label=_("Reason (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_merge(
            incident,
            actor=actor,
            target=queries.incident_by_number(actor, "target", self.cleaned_data["target"]),
            reason=self.cleaned_data["reason"],
            expected_version=self.expected_version,
        )


class UnmergeForm(VersionedForm):
    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_unmerge(incident, actor=actor, expected_version=self.expected_version)


class SplitForm(VersionedForm):
    """Split one comment (with its files) out into a new incident. The workspace lists the
    comments it already shows (`choices_from`)."""

    comment = forms.IntegerField(label=_("Comment"), widget=forms.Select)
    title = LineField(label=_("Title of the new incident"), max_length=200)

    def choices_from(self, comments: list[Comment]) -> None:
        self.fields["comment"].widget.choices = [
            (c.pk, f"{c.created_at:%d.%m %H:%M} · {c.body[:60]}") for c in comments
        ]

    def perform(self, incident: Incident, actor: User) -> Incident:
        comment = queries.comments(actor, incident).filter(pk=self.cleaned_data["comment"]).first()
        if comment is None:
            raise InvalidInput.field("comment", _("The comment is not on this incident."))
        return actions.do_split(
            incident,
            actor=actor,
            comment=comment,
            title=self.cleaned_data["title"],
            expected_version=self.expected_version,
        )


class PriorityForm(VersionedForm):
    priority = forms.TypedChoiceField(label=_("Priority"), choices=PRIORITIES, coerce=int)
    priority_reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_override_priority(
            incident,
            actor=actor,
            priority=self.cleaned_data["priority"],
            reason=self.cleaned_data["priority_reason"],
            expected_version=self.expected_version,
        )


class ProblemForm(VersionedForm):
    """Link the incident to the problem behind it, or (left empty) take it off its problem."""

    problem = forms.CharField(
        label=_("Problem number"),
        max_length=20,
        required=False,
        help_text=_("For example PRB-000012. Leave empty to unlink."),
    )

    def perform(self, incident: Incident, actor: User) -> Incident:
        number = self.cleaned_data["problem"].strip().upper()
        if not number:
            return actions.do_unlink_problem(incident, actor=actor)
        problem = Problem.objects.filter(number=number).first()
        if problem is None:
            raise InvalidInput.field(
                "problem", _("Problem %(number)s was not found.") % {"number": number}
            )
        return actions.do_link_problem(incident, actor=actor, problem=problem)


class EditForm(VersionedForm):
    """Verification: the classification and contact fields triage may change."""

    title = LineField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    impact = forms.ChoiceField(label=_("Impact"), choices=Level.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Level.choices)
    category = TreeChoiceField(
        label=_("Category"), queryset=active_tree(Category), to_field_name="code", required=False
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
    )
    cause = TreeChoiceField(
        label=_("Cause"), queryset=active_tree(Cause), to_field_name="code", required=False
    )
    is_major = forms.BooleanField(label=_("Major incident"), required=False)
    contact_name = LineField(label=_("Contact name"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = LineField(label=_("Contact phone"), max_length=50, required=False)

    FIELDS = actions.EDITABLE_FIELDS

    @classmethod
    def initial_for(cls, incident: Incident) -> dict[str, Any]:
        initial = {field: getattr(incident, field) for field in cls.FIELDS}
        for field in ("category", "service", "cause"):
            initial[field] = initial[field].code if initial[field] else None
        return initial

    def perform(self, incident: Incident, actor: User) -> Incident:
        return actions.do_update_incident(
            incident,
            actor=actor,
            expected_version=self.expected_version,
            **{field: self.cleaned_data[field] for field in self.FIELDS},
        )


class CustomFieldsForm(CustomFieldsMixin, VersionedForm):
    """The desk's edit of the incident's custom field values (`CustomFieldsMixin.perform`)."""


class CommentForm(VersionedForm):
    """The one editor: a reply to the customer or an internal note, with files."""

    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(
        choices=[("public", _("Reply to customer")), ("internal", _("Internal note"))],
        initial="public",
        widget=forms.RadioSelect,
    )


class FollowForm(VersionedForm):
    """Follow the incident: its customers' doings and SLA alerts reach the agent too."""

    version = None  # type: ignore[assignment]  # following changes no incident field
    seen_event = None  # type: ignore[assignment]
    minutes = None  # type: ignore[assignment]

    def perform(self, incident: Incident, actor: User) -> Any:
        return actions.do_add_watcher(
            incident, actor=actor, person=actor, source=WatcherSource.FOLLOW
        )


class UnfollowForm(FollowForm):
    def perform(self, incident: Incident, actor: User) -> Any:
        return actions.do_remove_watcher(incident, actor=actor, person=actor)


class AddWatcherForm(FollowForm):
    """Add a customer's colleague (any address where the organisation allows it) as a watcher:
    the same action and rule as the reporter's form in the portal."""

    email = forms.EmailField(label=_("Colleague's e-mail"), max_length=254)

    def perform(self, incident: Incident, actor: User) -> Any:
        return actions.do_add_watcher_by_address(
            incident, actor=actor, email=self.cleaned_data["email"]
        )


class RemoveWatcherForm(FollowForm):
    """Take one watcher off the incident (a follower included)."""

    watcher = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def perform(self, incident: Incident, actor: User) -> Any:
        watcher = incident.watchers.filter(pk=self.cleaned_data["watcher"]).first()
        if watcher is None:
            raise InvalidInput.field("watcher", _("This person no longer watches the incident."))
        return actions.do_remove_watcher(incident, actor=actor, person=watcher.person)


class TimeEditForm(FollowForm):
    """Correct one's own time entry (the action allows it for a day)."""

    entry = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    minutes = forms.IntegerField(  # type: ignore[assignment]
        label=_("Time spent, minutes"), min_value=1, max_value=MAX_MINUTES
    )

    def perform(self, incident: Incident, actor: User) -> Any:
        entry = incident.time_entries.filter(pk=self.cleaned_data["entry"]).first()
        if entry is None:
            raise InvalidInput.field("minutes", _("There is no such time entry."))
        return actions.do_edit_time(entry, actor=actor, minutes=self.cleaned_data["minutes"])


# The verbs of `status.VERBS` the workspace offers, with their forms (customers' `rate` is not
# a desk action), and the desk's edits that are not status moves.
VERB_FORMS: dict[str, type[VersionedForm]] = {
    "accept": AcceptForm,
    "assign": AssignForm,
    "hold": HoldForm,
    "request-info": RequestInfoForm,
    "resume": ResumeForm,
    "resolve": ResolveForm,
    "confirm": ConfirmForm,
    "reopen": ReopenForm,
    "close": CloseForm,
    "cancel": CancelForm,
    "link": LinkForm,
    "merge": MergeForm,
    "unmerge": UnmergeForm,
    "split": SplitForm,
}
EDIT_FORMS: dict[str, type[VersionedForm]] = {
    "priority": PriorityForm,
    "problem": ProblemForm,
    "edit": EditForm,
    "custom": CustomFieldsForm,
}
# Buttons beside the workspace's sections: watchers, following and correcting one's time.
OTHER_FORMS: dict[str, type[VersionedForm]] = {
    "follow": FollowForm,
    "unfollow": UnfollowForm,
    "add-watcher": AddWatcherForm,
    "remove-watcher": RemoveWatcherForm,
    "time": TimeEditForm,
}
