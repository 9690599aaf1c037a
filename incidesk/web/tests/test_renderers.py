"""The select widget drawn in Python writes exactly what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.console.forms import BulkForm, QueueFilterForm
from incidesk.web.renderers import FastSelectRenderer


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a&b", 'A "and" <B>'), (3, 1234)])
    many = forms.MultipleChoiceField(
        choices=[("x", gettext_lazy("Status")), ("y", mark_safe("<b>y</b>"))],
        widget=forms.SelectMultiple(attrs={"size": 2, "class": "form-select", "hidden": False}),
    )
    grouped = forms.ChoiceField(
        choices=[("", "Any"), ("Group <1>", [("g1", "One"), ("g2", "Two")]), ("z", "Zed")],
        widget=forms.Select(attrs={"required": True, "data-x": mark_safe("&amp;")}),
    )


def _widgets(form: forms.Form, renderer) -> list[str]:
    form.renderer = renderer
    return [str(field) for field in form]


@pytest.mark.parametrize("data", [None, {"plain": "a&b", "many": ["x", "y"], "grouped": "g2"}])
def test_the_same_markup_as_the_templates(data):
    assert _widgets(Choices(data), FastSelectRenderer()) == _widgets(
        Choices(data), DjangoTemplates()
    )


@pytest.mark.django_db
def test_the_queue_pages_forms_are_drawn_alike():
    agent = AgentFactory()
    data = {"status": ["new"], "priority": ["1"], "assignee": agent.email}
    for form_class in (QueueFilterForm, BulkForm):
        fast, slow = form_class(data), form_class(data)
        fast.is_valid(), slow.is_valid()
        assert _widgets(fast, FastSelectRenderer()) == _widgets(slow, DjangoTemplates())


def test_a_select_with_its_own_option_template_goes_to_the_templates():
    class Own(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    class Form(forms.Form):
        own = forms.ChoiceField(choices=[("a", "A")], widget=Own)

    assert _widgets(Form(), FastSelectRenderer()) == _widgets(Form(), DjangoTemplates())
