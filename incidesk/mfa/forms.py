"""The one field every two-factor page asks for: a code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from incidesk.web.forms import BootstrapForm


class CodeForm(BootstrapForm, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class EnrolForm(BootstrapForm, forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        help_text=_("The six digits the app shows after adding the account."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
