"""Custom fields as Django form fields, for the console's and the portal's forms: the form
carries what a person typed; `fields.values` (through the actions) checks it."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidesk.fields.definitions import Definition
from incidesk.fields.models import FieldType
from incidesk.fields.values import MAX_TEXT_LENGTH

_YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


def _field(definition: Definition, stored: Any, help_text: str) -> forms.Field:
    """The form field for `definition`; a stored choice since removed stays offered (by its
    code), so saving the form unchanged keeps it. Never `required` in the form: the action
    says which are, in one message for every surface."""
    common: dict[str, Any] = {"label": definition.label, "required": False, "help_text": help_text}
    choices = [(c.code, c.label) for c in definition.choices]
    kept = stored if isinstance(stored, list) else [stored] if isinstance(stored, str) else []
    choices += [(code, code) for code in kept if code not in dict(choices)]
    if definition.type == FieldType.NUMBER:
        return forms.CharField(max_length=30, **common)
    if definition.type == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if definition.type == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if definition.type == FieldType.CHOICES:
        return forms.MultipleChoiceField(choices=choices, **common)
    if definition.type == FieldType.BOOLEAN:
        return forms.ChoiceField(choices=_YES_NO, **common)
    return forms.CharField(max_length=MAX_TEXT_LENGTH, **common)


def form_field(definition: Definition, stored: Any = None, help_text: str = "") -> forms.Field:
    """`_field` with Bootstrap's class on its widget (the forms style theirs on creation, and
    these are added after)."""
    return _styled(_field(definition, stored, help_text))


def filter_field(definition: Definition) -> forms.Field:
    """A list filter on `definition`: one value to match (a several-choices field matches the
    incidents whose list holds it, so it offers one choice too)."""
    common: dict[str, Any] = {"label": definition.label, "required": False}
    if definition.has_choices:
        choices = [("", "—"), *((c.code, c.label) for c in definition.choices)]
        return _styled(forms.ChoiceField(choices=choices, **common))
    if definition.type == FieldType.BOOLEAN:
        return _styled(forms.ChoiceField(choices=_YES_NO, **common))
    if definition.type == FieldType.DATE:
        return _styled(forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common))
    return _styled(forms.CharField(max_length=200, **common))


def filter_text(value: Any) -> str:
    """A filter field's cleaned value as the `code:value` text lists filter by."""
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _styled(field: forms.Field) -> forms.Field:
    css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
    field.widget.attrs["class"] = css
    return field


def initial_value(definition: Definition, value: Any) -> Any:
    if definition.type == FieldType.BOOLEAN and isinstance(value, bool):
        return "yes" if value else "no"
    return value


def submitted_value(definition: Definition, value: Any) -> Any:
    """A cleaned form value as `fields.values` takes it (yes/no back to a boolean)."""
    if definition.type == FieldType.BOOLEAN:
        return {"yes": True, "no": False}.get(value)
    return value
