"""The placeholders: a fixed list, filled by one substitution, never a Django template."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.macros.models import Macro, MacroVerb, Scope
from incidesk.macros.placeholders import Context, render, unknown, validate

pytestmark = pytest.mark.django_db


def _context(agent, **reporter_fields):
    reporter = CustomerFactory(full_name="Иван Петров", **reporter_fields)
    incident = make_incident(Status.IN_PROGRESS, reporter=reporter, agent=agent)
    return incident, Context.of(incident, agent)


def test_every_placeholder_is_filled(agent):
    incident, context = _context(agent)
    text = (
        "{{ customer.name }}|{{incident.number}}|{{ incident.title }}|{{ agent.name }}|"
        "{{ desk.name }}"
    )
    assert render(text, context) == (
        f"Иван Петров|{incident.number}|Не печатает принтер|Анна Агентова|Incidesk"
    )


def test_due_times_are_in_the_customers_zone_and_language(agent, settings):
    incident, _context_unused = _context(agent, time_zone="Asia/Vladivostok", language="en")
    incident.response_due_at = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    context = Context.of(incident, agent)
    assert render("{{ incident.response_due }}", context) == "16 November 19:30"
    russian = Context(incident, agent, "ru", context.zone)
    assert render("{{ incident.response_due }}", russian) == "16 ноября 19:30"
    incident.resolution_due_at = None
    assert render("{{ incident.resolution_due }}", context) == "—"


def test_a_contact_without_an_account_is_named_and_gets_the_desks_language(agent):
    from incidesk.incidents import actions

    incident = actions.do_create_incident(
        actor=agent, title="Звонок", contact_name="Пётр с ресепшн", contact_phone="+7 900"
    )
    context = Context.of(incident, agent)
    assert context.language == "ru"
    assert render("Здравствуйте, {{ customer.name }}!", context) == "Здравствуйте, Пётр с ресепшн!"


@pytest.mark.parametrize(
    "text",
    [
        "{% load static %}{% static 'x' %}",
        "{% debug %}",
        "{{ incident.number",
        "{# comment #}",
        "{{}}",
    ],
)
def test_anything_but_a_placeholder_is_plain_text(agent, text):
    _incident, context = _context(agent)
    assert render(text, context) == text


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{{ request }}", ["request"]),
        ("{{ request.user.password }}", ["request.user.password"]),
        ("{{ incident.reporter.email }}", ["incident.reporter.email"]),
        ("{{ settings.SECRET_KEY }}", ["settings.SECRET_KEY"]),
        ("{{ customer.name|safe }}", ["customer.name|safe"]),
        ("{{ incident.__class__ }} {{ request }} {{ request }}", ["incident.__class__", "request"]),
    ],
)
def test_unknown_placeholders_are_refused_by_name(text, named):
    assert unknown(text) == named
    with pytest.raises(ValidationError) as refused:
        validate(text)
    message = refused.value.messages[0]
    assert all(f"{{{{ {name} }}}}" in message for name in named)
    assert "{{ customer.name }}" in message  # and what is available instead


def test_an_unknown_placeholder_that_slipped_in_is_left_as_written(agent):
    """The model refuses it on save; rendering still never evaluates it."""
    _incident, context = _context(agent)
    assert render("{{ request }} {{ incident.reporter.email }}", context) == (
        "{{ request }} {{ incident.reporter.email }}"
    )


def test_a_value_that_looks_like_a_placeholder_is_not_filled_again(agent):
    reporter = CustomerFactory(full_name="{{ agent.name }} {% load %}")
    incident = make_incident(Status.IN_PROGRESS, reporter=reporter, agent=agent)
    context = Context.of(incident, agent)
    assert render("Hi {{ customer.name }}", context) == "Hi {{ agent.name }} {% load %}"


def test_the_model_refuses_unknown_placeholders_in_every_text(agent):
    macro = Macro(
        name="Плохой",
        scope=Scope.PERSONAL,
        owner=agent,
        reply_ru="Привет, {{ request }}",
        reply_en="Hi {{ customer.email }}",
        verb=MacroVerb.REQUEST_INFO,
        verb_text_ru="{{ user }}",
    )
    with pytest.raises(ValidationError) as refused:
        macro.full_clean()
    errors = refused.value.message_dict
    assert "{{ request }}" in errors["reply_ru"][0]
    assert "{{ customer.email }}" in errors["reply_en"][0]
    assert "{{ user }}" in errors["verb_text_ru"][0]


def test_the_customers_language_picks_the_text_and_the_other_fills_in(agent):
    macro = Macro(reply_ru="Здравствуйте", reply_en="Hello", verb_text_ru="Вопрос")
    assert macro.text("reply", "en") == "Hello"
    assert macro.text("reply", "ru") == "Здравствуйте"
    assert macro.text("verb_text", "en") == "Вопрос"
