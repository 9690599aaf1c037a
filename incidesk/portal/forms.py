"""What the customer fills in: the incident form asks impact and urgency in their own words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.catalog.models import Category, Level, Service
from incidesk.fields import definitions
from incidesk.fields.definitions import Definition
from incidesk.fields.forms import form_field, submitted_value
from incidesk.fields.values import error_key
from incidesk.incidents.models import Kind
from incidesk.incidents.status import Status
from incidesk.web.forms import BootstrapForm, FixedChoiceField

# "How many people are affected?" -> impact; "Can you keep working?" -> urgency.
AFFECTED = [
    (Level.LOW, _("Only me")),
    (Level.MEDIUM, _("My team or department")),
    (Level.HIGH, _("The whole company or many customers")),
]
CAN_WORK = [
    (Level.LOW, _("Yes, it is only inconvenient")),
    (Level.MEDIUM, _("Partly: some work has slowed down or stopped")),
    (Level.HIGH, _("No, work has stopped")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the attachment action."""

    widget = MultipleFileInput

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        clean_one = super().clean  # zero-argument super() fails inside a comprehension (< 3.12)
        return [clean_one(item, initial) for item in files]


def _category_choices() -> list:
    """Categories grouped under their parent, active ones only."""
    active = Category.objects.filter(is_active=True).select_related("parent")
    groups: dict[Category, list] = {}
    for category in active:
        if category.parent_id is None:
            groups.setdefault(category, [])
        else:
            groups.setdefault(category.parent, []).append(category)
    choices: list = [("", _("— not sure —"))]
    for parent, children in groups.items():
        if children:
            choices.append((parent.name, [(c.code, c.name) for c in children]))
        else:
            choices.append((parent.code, parent.name))
    return choices


def _service_choices() -> list:
    services = Service.objects.filter(is_active=True)
    return [("", _("— not sure —")), *[(s.code, s.name) for s in services]]


class SubmitForm(BootstrapForm, forms.Form):
    kind = FixedChoiceField(
        label=_("What do you need?"),
        choices=[
            (Kind.INCIDENT, _("Something does not work")),
            (Kind.SERVICE_REQUEST, _("I need something (access, equipment, advice)")),
        ],
        initial=Kind.INCIDENT,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("In a few words, what happened?"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you did, what you expected, what happened instead; error messages."),
    )
    category = FixedChoiceField(label=_("Category"), required=False, choices=_category_choices)
    service = FixedChoiceField(
        label=_("Affected service"), required=False, choices=_service_choices
    )
    impact = FixedChoiceField(
        label=_("How many people are affected?"),
        choices=AFFECTED,
        initial=Level.LOW,
        widget=forms.RadioSelect,
    )
    urgency = FixedChoiceField(
        label=_("Can you keep working?"),
        choices=CAN_WORK,
        initial=Level.LOW,
        widget=forms.RadioSelect,
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=50, required=False)
    files = MultipleFileField(label=_("Attachments"), required=False)


class AnonymousSubmitForm(SubmitForm):
    """Without an account the customer leaves a name and an address to be answered at."""

    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    contact_email = forms.EmailField(label=_("Your e-mail"))

    field_order = ["contact_name", "contact_email", "contact_phone"]


class ReplyForm(BootstrapForm, forms.Form):
    body = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    files = MultipleFileField(label=_("Attachments"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("body", "").strip() and not data.get("files"):
            self.add_error("body", _("Write a message or attach a file."))
        return data


class ReopenForm(BootstrapForm, forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class RateForm(BootstrapForm, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the help you got?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WatcherForm(BootstrapForm, forms.Form):
    """A colleague to add to (or remove from) the people who hear of the incident."""

    email = forms.EmailField(label=_("Colleague's e-mail"), max_length=254)


STATUS_FILTERS = {
    "open": [Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD],
    "resolved": [Status.RESOLVED],
    "closed": [Status.CLOSED, Status.CANCELLED],
}


class ListFilterForm(BootstrapForm, forms.Form):
    status = FixedChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", pgettext_lazy("incidents", "Open")),
            ("resolved", _("Awaiting your confirmation")),
            ("closed", pgettext_lazy("incidents", "Closed")),
        ],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)


def add_custom_fields(form: forms.Form) -> list[Definition]:
    """Give the report form the custom fields customers fill in (those of every kind and
    category: `custom_values` sends those of the chosen ones); the definitions added."""
    fillable = [d for d in definitions.current().all if d.active and d.customer_fillable]
    for definition in fillable:
        form.fields[error_key(definition.code)] = form_field(definition)
    return fillable


def custom_values(
    data: dict[str, Any], fillable: list[Definition], kind: str, category: Category | None
) -> dict[str, Any]:
    """The values typed into the fields that apply to the chosen kind and category."""
    category_id = category.pk if category is not None else None
    return {
        d.code: submitted_value(d, data.get(error_key(d.code)))
        for d in fillable
        if d.applies(kind, category_id)
    }
