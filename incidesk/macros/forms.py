"""The console's macro form: what a person may write depends on who they are (agents write
personal macros; leads and admins shared ones, for the desk or their teams). Validation is the
model's `clean`, the same as in the admin: unknown placeholders and missing verb details come
back in words next to their field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.catalog.models import Category, Cause, HoldReason, ResolutionCode, Service
from incidesk.macros.access import may_share, my_teams
from incidesk.macros.models import Macro, Scope
from incidesk.macros.placeholders import PLACEHOLDERS
from incidesk.web.forms import BootstrapForm

TEXT_ROWS = {"rows": 4}


def placeholder_help() -> str:
    return str(_("Placeholders: %(list)s.")) % {
        "list": "; ".join(f"{{{{ {p.name} }}}} — {p.label}" for p in PLACEHOLDERS.values())
    }


class MacroForm(BootstrapForm, forms.ModelForm[Macro]):
    class Meta:
        model = Macro
        fields = [
            "name",
            "scope",
            "for_team",
            "reply_visibility",
            "reply_ru",
            "reply_en",
            "set_category",
            "set_service",
            "set_impact",
            "set_urgency",
            "set_team",
            "assign_to_self",
            "set_priority",
            "verb",
            "hold_reason",
            "cause",
            "resolution_code",
            "verb_text_ru",
            "verb_text_en",
        ]
        widgets = {
            "reply_ru": forms.Textarea(attrs=TEXT_ROWS),
            "reply_en": forms.Textarea(attrs=TEXT_ROWS),
            "verb_text_ru": forms.Textarea(attrs=TEXT_ROWS),
            "verb_text_en": forms.Textarea(attrs=TEXT_ROWS),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        scope = self.fields["scope"]
        assert isinstance(scope, forms.ChoiceField)  # noqa: S101  a model field with choices
        if may_share(user):
            self._choose("for_team", my_teams(user).order_by("name"))
        else:
            scope.choices = [(Scope.PERSONAL.value, Scope.PERSONAL.label)]
            scope.initial = Scope.PERSONAL
            del self.fields["for_team"]
        self._choose("set_category", Category.objects.filter(is_active=True))
        self._choose("set_service", Service.objects.filter(is_active=True))
        self._choose("hold_reason", HoldReason.objects.filter(is_active=True))
        self._choose("cause", Cause.objects.filter(is_active=True))
        self._choose("resolution_code", ResolutionCode.objects.filter(is_active=True))
        self.fields["reply_ru"].help_text = placeholder_help()

    def _choose(self, name: str, queryset: QuerySet[Any]) -> None:
        """Offer only entries in use (and, for teams, the user's own)."""
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  a foreign key's field
        field.queryset = queryset

    def clean(self) -> dict[str, Any]:
        """Who the macro belongs to follows from its scope, never from what was posted."""
        super().clean()
        data = self.cleaned_data
        scope = data.get("scope")
        self.instance.owner = self.user if scope == Scope.PERSONAL else None
        if scope != Scope.TEAM:
            data["for_team"] = None
            self.instance.for_team = None
        return data
