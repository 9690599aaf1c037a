"""Applying a macro: the incident actions in one transaction, all or nothing, each with its
timeline event and notifications, and the timeline saying which macro it was."""

import pytest

from incidesk.catalog.models import Category, Cause, HoldReason, ResolutionCode
from incidesk.core.errors import Forbidden, InvalidTransition, VersionConflict
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Incident, TimelineEvent, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.macros.apply import apply_macro, plan
from incidesk.macros.models import Macro, MacroVerb, Scope
from incidesk.notifications.models import Notification

pytestmark = pytest.mark.django_db

GREETING = "Здравствуйте, {{ customer.name }}! Разбираемся с обращением {{ incident.number }}."
QUESTION = "Пришлите, пожалуйста, журнал VPN-клиента до {{ incident.resolution_due }}."


@pytest.fixture
def vpn_logs(team, lead):
    """The desk's canonical macro: reply, then wait for the customer with a question."""
    macro = Macro(
        name="Нужен журнал VPN",
        scope=Scope.TEAM,
        for_team=team,
        reply_ru=GREETING,
        reply_en="Hello {{ customer.name }}, we are on {{ incident.number }}.",
        verb=MacroVerb.HOLD,
        hold_reason=HoldReason.objects.get(code=HoldReason.AWAITING_CUSTOMER),
        verb_text_ru=QUESTION,
        verb_text_en="Please send the VPN client's log.",
    )
    macro.full_clean()
    macro.save()
    return macro


def _working(agent, customer, team):
    incident = make_incident(Status.NEW, reporter=customer)
    return actions.do_assign(incident, actor=agent, team=team, assignee=agent)


def _footprint(incident):
    incident.refresh_from_db()
    return (
        incident.version,
        incident.status,
        incident.category_id,
        incident.priority,
        incident.comments.count(),
        TimelineEvent.objects.filter(incident=incident).count(),
    )


def test_one_step_replies_sets_the_hold_reason_and_requests_information(
    agent, customer, team, vpn_logs, run_tasks
):
    incident = _working(agent, customer, team)
    before = incident.events.order_by("-pk").first().pk

    applied = apply_macro(vpn_logs, incident, actor=agent, expected_version=incident.version)

    assert applied.status == Status.ON_HOLD
    assert applied.hold_reason == HoldReason.objects.get(code=HoldReason.AWAITING_CUSTOMER)
    assert applied.answer_by is not None  # an information request, with its deadline
    assert applied.first_response_at is not None
    reply, question = applied.comments.order_by("pk")
    assert reply.body == f"Здравствуйте, Иван Петров! Разбираемся с обращением {incident.number}."
    assert question.body.startswith("Пришлите, пожалуйста, журнал VPN-клиента до ")
    assert "{{" not in question.body
    assert {reply.visibility, question.visibility} == {Visibility.PUBLIC}

    events = list(applied.events.filter(pk__gt=before))
    kinds = [event.kind for event in events]
    main = [kind for kind in kinds if kind in (EventKind.PUBLIC_REPLY, EventKind.STATUS_CHANGED)]
    assert main == [EventKind.PUBLIC_REPLY, EventKind.PUBLIC_REPLY, EventKind.STATUS_CHANGED]
    assert EventKind.SLA_PAUSED in kinds  # the resolution clock waits for the customer
    assert kinds[-1] == EventKind.MACRO_APPLIED
    provenance = events[-1]
    assert provenance.actor == agent and not provenance.is_public
    assert provenance.data["name"] == "Нужен журнал VPN"
    assert provenance.data["events"] == [event.pk for event in events[:-1]]

    run_tasks()
    told = set(
        Notification.objects.filter(recipient=customer).values_list("event__kind", flat=True)
    )
    assert {EventKind.PUBLIC_REPLY, EventKind.STATUS_CHANGED} <= told
    assert not Notification.objects.filter(event=provenance).exists()


def test_an_english_customer_gets_the_english_text(agent, team, vpn_logs):
    from incidesk.accounts.tests.factories import CustomerFactory

    english = CustomerFactory(full_name="John Smith", language="en")
    incident = _working(agent, english, team)
    applied = apply_macro(vpn_logs, incident, actor=agent)
    reply, question = applied.comments.order_by("pk")
    assert reply.body == f"Hello John Smith, we are on {incident.number}."
    assert question.body == "Please send the VPN client's log."


def test_a_new_incident_is_taken_and_asked_in_one_message(agent, customer, team):
    """Assigning to oneself takes a new incident into work, which an information request
    needs; without a question of its own, the public reply is the question."""
    macro = Macro.objects.create(
        name="Беру и уточняю",
        scope=Scope.PERSONAL,
        owner=agent,
        reply_ru="{{ customer.name }}, уточните, пожалуйста, модель принтера.",
        assign_to_self=True,
        set_category=Category.objects.get(code="vpn"),
        verb=MacroVerb.REQUEST_INFO,
    )
    incident = make_incident(Status.NEW, reporter=customer)
    applied = apply_macro(macro, incident, actor=agent)
    assert (applied.status, applied.assignee, applied.category) == (
        Status.ON_HOLD,
        agent,
        Category.objects.get(code="vpn"),
    )
    assert list(applied.comments.values_list("body", flat=True)) == [
        "Иван Петров, уточните, пожалуйста, модель принтера."
    ]
    marked = applied.events.get(kind=EventKind.MACRO_APPLIED).data["events"]
    assert set(applied.events.filter(pk__in=marked).values_list("kind", flat=True)) >= {
        EventKind.FIELD_CHANGED,
        EventKind.ASSIGNED,
        EventKind.PUBLIC_REPLY,
    }


def test_a_refused_step_writes_nothing_and_says_why(agent, customer, team):
    """The category change and the reply ran before resolve was refused: all rolled back."""
    macro = Macro.objects.create(
        name="Решено",
        scope=Scope.DESK,
        reply_ru="Всё готово",
        reply_visibility=Visibility.INTERNAL,
        set_category=Category.objects.get(code="vpn"),
        verb=MacroVerb.RESOLVE,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        verb_text_ru="Заменили картридж",
    )
    incident = make_incident(Status.ON_HOLD, reporter=customer, agent=agent)
    before = _footprint(incident)
    with pytest.raises(InvalidTransition) as refused:
        apply_macro(macro, incident, actor=agent, expected_version=incident.version)
    assert "Отложен" in str(refused.value.message)
    assert _footprint(incident) == before


def test_a_step_the_agent_may_not_take_refuses_the_whole_macro(agent, customer, team):
    macro = Macro.objects.create(
        name="Срочно", scope=Scope.DESK, reply_ru="Берём в работу срочно", set_priority=1
    )
    incident = _working(agent, customer, team)
    before = _footprint(incident)
    with pytest.raises(Forbidden):
        apply_macro(macro, incident, actor=agent)
    assert _footprint(incident) == before


def test_a_stale_version_refuses_before_anything(agent, customer, team, vpn_logs):
    incident = _working(agent, customer, team)
    seen = incident.version
    actions.do_add_comment(incident, actor=agent, body="Смотрю", visibility="internal")
    before = _footprint(incident)
    with pytest.raises(VersionConflict):
        apply_macro(vpn_logs, incident, actor=agent, expected_version=seen)
    assert _footprint(incident) == before


def test_the_preview_is_what_is_sent(agent, customer, team, vpn_logs):
    incident = _working(agent, customer, team)
    shown = plan(vpn_logs, incident, agent)
    applied = apply_macro(vpn_logs, Incident.objects.get(pk=incident.pk), actor=agent)
    reply, question = applied.comments.order_by("pk")
    assert (shown.reply, shown.verb_text) == (reply.body, question.body)
    assert shown.steps == ["Отложить: Ожидание ответа заявителя"]
