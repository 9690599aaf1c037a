"""The problem pages' forms. They only parse input: `problems.actions` decides."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.catalog.models import Category, Cause, ResolutionCode, Service
from incidesk.core.text import LineField
from incidesk.problems.recurrence import DEFAULT_WEEKS, MAX_WEEKS
from incidesk.problems.status import ProblemStatus
from incidesk.web.forms import (
    BootstrapForm,
    DateInput,
    StaffChoiceField,
    TreeChoiceField,
    active_tree,
    staff_users,
)


class ProblemFilterForm(BootstrapForm, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Active (open and known errors)")),
            *ProblemStatus.choices,
            ("all", _("All")),
        ],
    )
    owner = StaffChoiceField(label=_("Owner"), queryset=staff_users(), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or ""
        statuses = {
            "": [ProblemStatus.OPEN, ProblemStatus.KNOWN_ERROR],
            "all": None,
        }.get(status, [status])
        owner = data.get("owner")
        return {"status": statuses, "owner": owner.email if owner else None, "q": data.get("q")}


class ProblemForm(BootstrapForm, forms.Form):
    title = LineField(label=pgettext_lazy("problem", "Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea, required=False)
    workaround = forms.CharField(
        label=_("Workaround"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Shown to agents on linked incidents once the problem is a known error."),
    )
    owner = StaffChoiceField(label=_("Owner"), queryset=staff_users(), required=False)
    category = TreeChoiceField(
        label=_("Category"),
        queryset=active_tree(Category),
        required=False,
        help_text=_("Incidents in this category count as recurrences of the problem."),
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.filter(is_active=True),
        required=False,
        help_text=_("Incidents on this service count as recurrences of the problem."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = staff_users()


class LinkForm(BootstrapForm, forms.Form):
    incidents = forms.CharField(
        label=_("Incident numbers"),
        max_length=2000,
        help_text=_("One or more numbers, separated by spaces or commas."),
    )

    def numbers(self) -> list[str]:
        return self.cleaned_data["incidents"].replace(",", " ").split()


class PreventiveActionForm(BootstrapForm, forms.Form):
    title = LineField(label=_("Action"), max_length=200)
    owner = StaffChoiceField(label=_("Owner"), queryset=staff_users())
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = staff_users()


class KnownErrorForm(BootstrapForm, forms.Form):
    workaround = forms.CharField(label=_("Workaround"), widget=forms.Textarea, required=False)


class ResolveForm(BootstrapForm, forms.Form):
    resolve_incidents = forms.BooleanField(required=False)
    notes = forms.CharField(
        label=_("Notes for the customers"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Sent to the customer of every incident resolved with the problem."),
    )
    cause = TreeChoiceField(label=_("Cause"), queryset=active_tree(Cause), required=False)
    resolution_code = forms.ModelChoiceField(
        label=_("Resolution code"),
        queryset=ResolutionCode.objects.filter(is_active=True),
        required=False,
    )


class ReopenForm(BootstrapForm, forms.Form):
    reason = forms.CharField(
        label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RecurrenceForm(BootstrapForm, forms.Form):
    weeks = forms.IntegerField(
        label=_("Weeks on each side"), min_value=1, max_value=MAX_WEEKS, initial=DEFAULT_WEEKS
    )


class RecurrenceReportForm(RecurrenceForm):
    date = forms.DateField(label=_("Date of the change"), widget=DateInput)
    cause = TreeChoiceField(label=_("Cause"), queryset=active_tree(Cause), required=False)
    category = TreeChoiceField(label=_("Category"), queryset=active_tree(Category), required=False)

    field_order = ["date", "weeks", "cause", "category"]
