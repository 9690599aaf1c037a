"""The select and input widgets drawn in Python write exactly what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.console.forms import BulkForm, QueueFilterForm, SavedViewForm
from incidesk.web.forms import KeptSelect
from incidesk.web.renderers import FastSelectRenderer, draw_options


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
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": 'say "<hi>"'}))
    hidden = forms.CharField(widget=forms.HiddenInput, initial=mark_safe("<b>&amp;</b>"))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    count = forms.IntegerField(localize=True, required=False, initial=12345)
    flag = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"hidden": False}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)


def _widgets(form: forms.Form, renderer) -> list[str]:
    form.renderer = renderer
    return [str(field) for field in form]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "a&b", "many": ["x", "y"], "grouped": "g2"},
        {"text": 'a "b" <c> & d', "day": "2026-12-06", "count": "1 234,5", "flag": "on"},
        {"secret": "<p&w>", "hidden": "x'y"},
    ],
)
def test_the_same_markup_as_the_templates(data):
    assert _widgets(Choices(data), FastSelectRenderer()) == _widgets(
        Choices(data), DjangoTemplates()
    )


@pytest.mark.django_db
def test_the_queue_pages_forms_are_drawn_alike():
    agent = AgentFactory()
    data = {"status": ["new"], "priority": ["1"], "assignee": agent.email, "q": "<x> & y"}
    for form_class in (QueueFilterForm, BulkForm, SavedViewForm):
        fast, slow = form_class(data), form_class(data)
        fast.is_valid(), slow.is_valid()
        assert _widgets(fast, FastSelectRenderer()) == _widgets(slow, DjangoTemplates())


def test_a_select_with_its_own_option_template_goes_to_the_templates():
    class Own(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    class Form(forms.Form):
        own = forms.ChoiceField(choices=[("a", "A")], widget=Own)

    assert _widgets(Form(), FastSelectRenderer()) == _widgets(Form(), DjangoTemplates())


GROUPED = [
    ("", "Any"),
    ("Group <1>", [("g1", 'One "1"'), ("g2", mark_safe("<i>Two</i>"))]),
    ("a&b", gettext_lazy("Status")),
    (3, 1234),
    ("g1", "the same value again"),
]


class Kept(forms.Form):
    grouped = forms.ChoiceField(
        choices=GROUPED,
        widget=KeptSelect(attrs={"class": "form-select", "data-x": mark_safe("&amp;")}),
        required=False,
    )


@pytest.mark.parametrize(
    "data", [None, {}, {"grouped": "g1"}, {"grouped": "a&b"}, {"grouped": "3"}, {"grouped": "?"}]
)
def test_options_drawn_beforehand_give_the_templates_markup(data):
    """Escaping, groups, a number as label, the empty choice chosen when nothing is, and only
    the first option of a value chosen twice (Django's single select)."""
    drawn = Kept(data)
    widget = drawn.fields["grouped"].widget
    assert isinstance(widget, KeptSelect)
    widget.drawn = draw_options(GROUPED)
    assert _widgets(drawn, FastSelectRenderer()) == _widgets(Kept(data), DjangoTemplates())


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.django_db
def test_the_queue_pages_kept_lists_are_drawn_as_the_templates_draw_them(language):
    """The two forms' lists given by `choices.fill` (trees, empty choices in each form's own
    words), with and without chosen values, in both languages."""
    from django.utils import translation

    from incidesk.catalog.models import Category
    from incidesk.console import choices

    agent = AgentFactory()
    category = Category.objects.filter(parent__isnull=False, is_active=True).first()
    assert category is not None
    with translation.override(language):
        for data in (None, {"assignee": agent.email, "category": category.code}):
            for form_class in (QueueFilterForm, BulkForm):
                kept, slow = form_class(data), form_class(data)
                choices.fill(kept)
                assert kept.fields["assignee"].widget.drawn is not None
                assert _widgets(kept, FastSelectRenderer()) == _widgets(slow, DjangoTemplates())
