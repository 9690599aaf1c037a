"""Custom field definitions are edited here. No delete: a field is deactivated, so incidents
keep their values and reports their meaning."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from incidesk.fields.models import CODE_PATTERN, FieldDefinition
from incidesk.incidents.models import Kind


class ChoicesField(forms.Field):
    """Choices as lines `code | Русский | English`, stored as a list of objects."""

    widget = forms.Textarea(attrs={"rows": 6})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(f"{c['code']} | {c['ru']} | {c['en']}" for c in value)
        return value

    def to_python(self, value: Any) -> list[dict[str, str]]:
        text = str(value or "")
        choices: list[dict[str, str]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3 or not all(parts) or not re.match(CODE_PATTERN, parts[0]):
                raise ValidationError(
                    _("Line %(n)d: write code | Russian label | English label."),
                    params={"n": number},
                )
            if any(c["code"] == parts[0] for c in choices):
                raise ValidationError(
                    _("Line %(n)d: the code %(code)s is used twice."),
                    params={"n": number, "code": parts[0]},
                )
            choices.append({"code": parts[0], "ru": parts[1], "en": parts[2]})
        return choices


class FieldDefinitionForm(forms.ModelForm):
    choices = ChoicesField(
        label=_("choices"),
        required=False,
        help_text=_(
            "One per line: code | Russian label | English label. A removed choice stays in the "
            "incidents that have it."
        ),
    )
    kinds = forms.TypedMultipleChoiceField(
        label=_("kinds"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )

    class Meta:
        model = FieldDefinition
        fields = [
            "code",
            "label_ru",
            "label_en",
            "field_type",
            "choices",
            "kinds",
            "categories",
            "required_on_create",
            "required_on_resolve",
            "customer_visible",
            "customer_fillable",
            "is_active",
            "position",
        ]


@admin.register(FieldDefinition)
class FieldDefinitionAdmin(admin.ModelAdmin):
    form = FieldDefinitionForm
    list_display = [
        "code",
        "label_ru",
        "label_en",
        "field_type",
        "required_on_create",
        "required_on_resolve",
        "customer_visible",
        "is_active",
        "position",
    ]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active", "field_type"]
    search_fields = ["code", "label_ru", "label_en"]
    filter_horizontal = ["categories"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
