"""The knowledge base's forms. They only parse input: `knowledge.actions` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Organisation
from incidesk.catalog.models import Category, Service
from incidesk.core.text import LineField
from incidesk.knowledge.models import Audience
from incidesk.knowledge.status import ArticleStatus
from incidesk.web.forms import (
    BootstrapForm,
    DateInput,
    StaffChoiceField,
    TreeChoiceField,
    active_tree,
    staff_users,
)


class ArticleForm(BootstrapForm, forms.Form):
    title_ru = LineField(label=_("Title (Russian)"), max_length=200, required=False)
    body_ru = forms.CharField(
        label=_("Text (Russian)"),
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        help_text=_("Markdown. Pictures: upload them below and paste the line shown."),
    )
    title_en = LineField(label=_("Title (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Text (English)"), widget=forms.Textarea(attrs={"rows": 12}), required=False
    )
    audience = forms.ChoiceField(label=_("Who may read it"), choices=Audience.choices)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text=_("For “customers of the chosen organisations”."),
    )
    category = TreeChoiceField(label=_("Category"), queryset=active_tree(Category), required=False)
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.filter(is_active=True), required=False
    )
    tags = LineField(
        label=_("Tags"), max_length=300, required=False, help_text=_("Separated by commas.")
    )
    owner = StaffChoiceField(label=_("Owner"), queryset=staff_users())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    note = LineField(label=_("What changed"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, StaffChoiceField)  # noqa: S101  declared above
        owner.queryset = staff_users()  # read per form: people join and leave the desk


class ArticleFilterForm(BootstrapForm, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ArticleStatus.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)


class FeedbackForm(forms.Form):
    helped = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes"
    )
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea)


class ImageForm(forms.Form):
    file = forms.FileField(label=_("Picture"))
