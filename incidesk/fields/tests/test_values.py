"""Custom field values through the real actions: types, choices, required, who may fill and
see them, and definition changes that must not lose stored values."""

from __future__ import annotations

import pytest
from django.utils import translation

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Category, Cause, ResolutionCode
from incidesk.core.errors import Forbidden, InvalidInput
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents import actions
from incidesk.incidents.access import event_is_public, shown_custom
from incidesk.incidents.models import EventKind, Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields():
    return {
        "serial": make_field("serial", customer_visible=True, customer_fillable=True),
        "cost": make_field("cost", FieldType.NUMBER),
        "bought": make_field("bought", FieldType.DATE),
        "severity": make_field("severity", FieldType.CHOICE, choices=SEVERITY),
        "areas": make_field("areas", FieldType.CHOICES, choices=SEVERITY),
        "onsite": make_field("onsite", FieldType.BOOLEAN, customer_visible=True),
    }


def _resolve(incident: Incident, agent) -> Incident:
    return actions.do_resolve(
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Заменили картридж",
    )


def test_values_are_stored_in_their_json_form(fields):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    incident = actions.do_set_custom_fields(
        incident,
        actor=agent,
        values={
            "serial": "  SN-1 ",
            "cost": "1500,50",
            "bought": "2026-01-31",
            "severity": "high",
            "areas": ["high", "low"],
            "onsite": True,
        },
    )
    incident.refresh_from_db()
    assert incident.custom == {
        "serial": "SN-1",
        "cost": 1500.5,
        "bought": "2026-01-31",
        "severity": "high",
        "areas": ["low", "high"],  # in the definition's order
        "onsite": True,
    }
    events = incident.events.filter(kind=EventKind.FIELD_CHANGED)
    assert {e.data["field"] for e in events} == {f"custom.{code}" for code in fields}
    # Public only where customers see the field.
    assert {e.data["field"] for e in events if e.is_public} == {"custom.serial", "custom.onsite"}


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("cost", "много"),
        ("cost", True),
        ("bought", "31.01.2026"),
        ("severity", "medium"),
        ("areas", ["low", "nope"]),
        ("onsite", "yes"),
        ("unknown", "x"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_field(fields, code, value):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    with pytest.raises(InvalidInput) as refused:
        actions.do_set_custom_fields(incident, actor=agent, values={code: value, "serial": "A"})
    assert set(refused.value.fields) == {f"custom.{code}"}
    incident.refresh_from_db()
    assert incident.custom == {}  # nothing written, not even the good value


def test_an_empty_value_clears_and_an_unchanged_one_records_nothing(fields):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    incident = actions.do_set_custom_fields(incident, actor=agent, values={"serial": "A"})
    version = incident.version
    incident = actions.do_set_custom_fields(incident, actor=agent, values={"serial": "A"})
    assert incident.version == version
    incident = actions.do_set_custom_fields(incident, actor=agent, values={"serial": ""})
    assert incident.custom == {}


def test_customers_fill_only_fillable_fields_and_only_at_registration(fields):
    customer = CustomerFactory()
    incident = actions.do_create_incident(actor=customer, title="Сканер", custom={"serial": "SN-7"})
    assert incident.custom == {"serial": "SN-7"}
    with pytest.raises(InvalidInput) as refused:
        actions.do_create_incident(actor=customer, title="Сканер", custom={"cost": 10})
    assert "custom.cost" in refused.value.fields
    with pytest.raises(Forbidden):
        actions.do_set_custom_fields(incident, actor=customer, values={"serial": "SN-8"})


def test_customers_see_only_visible_values(fields):
    agent, customer = AgentFactory(), CustomerFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent, reporter=customer)
    values = {"serial": "A", "cost": 5, "onsite": False}
    incident = actions.do_set_custom_fields(incident, actor=agent, values=values)
    assert shown_custom(customer, incident.custom) == {"serial": "A", "onsite": False}
    assert shown_custom(agent, incident.custom) == values


def test_required_on_registration_for_those_who_may_fill_it():
    make_field("serial", required_on_create=True, customer_visible=True, customer_fillable=True)
    make_field("contract", required_on_create=True)  # the desk's own: customers are not asked
    customer, agent = CustomerFactory(), AgentFactory()
    with translation.override("ru"), pytest.raises(InvalidInput) as refused:
        actions.do_create_incident(actor=customer, title="Сканер", custom={})
    assert set(refused.value.fields) == {"custom.serial"}
    assert "«Поле serial»" in str(refused.value.message)
    actions.do_create_incident(actor=customer, title="Сканер", custom={"serial": "S"})
    with pytest.raises(InvalidInput) as refused:
        actions.do_create_incident(
            actor=agent, title="Сканер", reporter=customer, custom={"serial": "S"}
        )
    assert set(refused.value.fields) == {"custom.contract"}
    # A surface without the form (e-mail, split) is not asked for them.
    assert actions.do_create_incident(actor=customer, title="Письмо").custom == {}


def test_fields_apply_by_kind_and_category():
    printers = Category.objects.filter(parent__isnull=False).first()
    make_field("model", categories=[printers], required_on_create=True)
    make_field("approver", kinds=["service_request"], required_on_create=True)
    agent, customer = AgentFactory(), CustomerFactory()
    plain = actions.do_create_incident(actor=agent, title="Сеть", reporter=customer, custom={})
    assert plain.custom == {}
    with pytest.raises(InvalidInput) as refused:
        actions.do_create_incident(
            actor=agent, title="Принтер", reporter=customer, category=printers, custom={}
        )
    assert set(refused.value.fields) == {"custom.model"}
    with pytest.raises(InvalidInput) as refused:
        actions.do_create_incident(
            actor=agent, title="Сеть", reporter=customer, custom={"model": "HP"}
        )
    assert set(refused.value.fields) == {"custom.model"}  # not a field of this category


def test_resolve_is_refused_until_required_fields_are_filled_in_the_users_language():
    make_field("part", required_on_resolve=True, label_ru="Замененная деталь", label_en="Part")
    make_field("hours", FieldType.NUMBER, required_on_resolve=True, label_en="Hours")
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        _resolve(incident, agent)
    assert set(refused.value.fields) == {"custom.part", "custom.hours"}
    assert "«Hours», «Part»" in str(refused.value.message)
    with translation.override("ru"), pytest.raises(InvalidInput) as refused:
        _resolve(incident, agent)
    assert "«Замененная деталь»" in str(refused.value.message)
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    incident = actions.do_set_custom_fields(
        incident, actor=agent, values={"part": "Картридж", "hours": 2}
    )
    assert _resolve(incident, agent).status == Status.RESOLVED


def test_a_definition_change_never_loses_stored_values(fields):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    values = {"serial": "A", "severity": "high", "areas": ["low", "high"], "cost": 3}
    incident = actions.do_set_custom_fields(incident, actor=agent, values=values)
    fields["serial"].label_ru = "Заводской номер"
    fields["serial"].save()
    fields["severity"].choices = [SEVERITY[0]]  # "high" removed
    fields["severity"].save()
    fields["areas"].choices = [SEVERITY[0]]
    fields["areas"].save()
    fields["cost"].is_active = False
    fields["cost"].save()
    # Another field is edited: the retired values stay as stored.
    incident = actions.do_set_custom_fields(incident, actor=agent, values={"onsite": True})
    incident.refresh_from_db()
    assert incident.custom == {**values, "onsite": True}
    # A removed choice or a retired field cannot be set anew.
    with pytest.raises(InvalidInput):
        actions.do_set_custom_fields(incident, actor=agent, values={"severity": "high"})
    with pytest.raises(InvalidInput):
        actions.do_set_custom_fields(incident, actor=agent, values={"cost": 4})


def test_a_field_change_event_is_public_exactly_when_customers_see_the_field(fields):
    assert event_is_public(EventKind.FIELD_CHANGED, field="custom.serial")
    assert not event_is_public(EventKind.FIELD_CHANGED, field="custom.cost")
    assert not event_is_public(EventKind.FIELD_CHANGED, field="custom.gone")
