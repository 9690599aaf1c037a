"""Forms for signing in and personal settings."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import STAFF_ROLES, User
from incidesk.core.errors import DomainError


class BootstrapForm:
    """Gives every widget Bootstrap's class and marks the ones with errors, so templates only
    lay fields out."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def add_domain_error(
    form: forms.Form, error: DomainError, aliases: dict[str, str] | None = None
) -> None:
    """Put each failing field's message next to that field (an action's field name may differ
    from the form's: `aliases`), the rest above the form."""
    placed = False
    for name, reason in error.fields.items():
        target = (aliases or {}).get(name, name)
        if target in form.fields:
            form.add_error(target, str(reason))
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


def staff_users() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("full_name", "email")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class TreeChoiceField(forms.ModelChoiceField):
    """A two-level reference list, children named after their parent."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


def active_tree(model: type[Model]) -> QuerySet:
    """The active entries of a two-level reference list, with their parents joined."""
    return model.objects.filter(is_active=True).select_related("parent")


class DateInput(forms.DateInput):
    input_type = "date"


class SignInForm(BootstrapForm, AuthenticationForm):
    """Django's sign-in form, asking for the e-mail the account is known by."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # With a directory whose people sign in by their network login (sAMAccountName,
        # userPrincipalName, uid), the field takes that too; local accounts keep their e-mail.
        ldap = settings.INCIDESK_LDAP
        if ldap and ldap["login_attr"].lower() != "mail":
            self.fields["username"] = forms.CharField(
                label=_("E-mail or network login"),
                max_length=254,
                widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
            )


def _time_zones() -> list[tuple[str, str]]:
    russian = [
        zone for zone in sorted(zoneinfo.available_timezones()) if zone.startswith("Europe/")
    ]
    asian = [zone for zone in sorted(zoneinfo.available_timezones()) if zone.startswith("Asia/")]
    return [(zone, zone) for zone in ["UTC", *russian, *asian]]


class PreferencesForm(BootstrapForm, forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones)

    class Meta:
        model = User
        fields = ["full_name", "phone", "language", "time_zone"]


class ResetPasswordForm(BootstrapForm, PasswordResetForm):
    """Also lets contacts (accounts created from an e-mail or an anonymous submission, with no
    password yet) choose their first password."""

    def get_users(self, email: str) -> Iterator[User]:
        return User.objects.filter(email__iexact=email, is_active=True).iterator()
