"""What each action writes, refuses and records."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    TeamFactory,
)
from incidesk.catalog.models import Cause, PriorityRule, ResolutionCode
from incidesk.core.errors import Forbidden, InvalidInput
from incidesk.incidents import actions
from incidesk.incidents.models import AppendOnlyError, EventKind, Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla import reference

pytestmark = pytest.mark.django_db

MATRIX = [
    ("high", "high", 1),
    ("high", "medium", 2),
    ("medium", "high", 2),
    ("high", "low", 3),
    ("medium", "medium", 3),
    ("low", "high", 3),
    ("medium", "low", 4),
    ("low", "medium", 4),
    ("low", "low", 5),
]


@pytest.mark.parametrize(("impact", "urgency", "priority"), MATRIX)
def test_priority_follows_the_itil_matrix(impact, urgency, priority):
    incident = make_incident(impact=impact, urgency=urgency)
    assert incident.priority == priority


def test_priority_matrix_is_data():
    PriorityRule.objects.filter(impact="low", urgency="low").update(priority=4)
    reference.changed()  # written without signals
    assert make_incident(impact="low", urgency="low").priority == 4


def test_changing_impact_recomputes_priority_and_records_both_fields():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent, impact="low", urgency="low")
    incident = actions.do_update_incident(incident, actor=agent, impact="high", urgency="high")
    assert incident.priority == 1
    changed = {
        e.data["field"]: (e.data["old"], e.data["new"])
        for e in incident.events.filter(kind=EventKind.FIELD_CHANGED)
    }
    assert changed == {"impact": ("low", "high"), "urgency": ("low", "high"), "priority": (5, 1)}


def test_priority_override_needs_a_manager_and_a_reason():
    incident = make_incident()
    with pytest.raises(Forbidden):
        actions.do_override_priority(incident, actor=AgentFactory(), priority=1, reason="VIP")
    with pytest.raises(InvalidInput) as missing:
        actions.do_override_priority(incident, actor=LeadFactory(), priority=1, reason=" ")
    assert "priority_reason" in missing.value.fields
    incident = actions.do_override_priority(
        incident, actor=LeadFactory(), priority=1, reason="Стоит склад"
    )
    assert (incident.priority, incident.priority_overridden) == (1, True)
    event = incident.events.get(kind=EventKind.PRIORITY_OVERRIDDEN)
    assert event.data == {"old": 3, "new": 1, "reason": "Стоит склад"}


def test_override_survives_a_later_impact_change():
    lead = LeadFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=lead)
    incident = actions.do_override_priority(incident, actor=lead, priority=1, reason="VIP")
    incident = actions.do_update_incident(incident, actor=lead, impact="low")
    assert incident.priority == 1


def test_numbers_are_sequential_and_unique():
    numbers = [make_incident().number for _ in range(3)]
    values = [int(n.removeprefix("INC-")) for n in numbers]
    assert values == list(range(values[0], values[0] + 3))
    assert all(len(n) == len("INC-000001") for n in numbers)


def test_customer_always_reports_for_themself():
    customer = CustomerFactory()
    incident = actions.do_create_incident(
        actor=customer, title="VPN", reporter=CustomerFactory(), team=TeamFactory()
    )
    assert (incident.reporter, incident.organisation, incident.team) == (
        customer,
        customer.organisation,
        None,
    )


def test_staff_registers_a_contact_without_an_account():
    incident = actions.do_create_incident(
        actor=AgentFactory(), title="Звонок", channel="phone", contact_phone="+7 495 000-00-00"
    )
    assert incident.reporter is None
    assert incident.contact_display == "+7 495 000-00-00"
    with pytest.raises(InvalidInput) as refused:
        actions.do_create_incident(actor=AgentFactory(), title="Без контакта")
    assert "contact_email" in refused.value.fields


@pytest.mark.parametrize(
    ("title", "description", "field"),
    [("", "", "title"), ("x" * 201, "", "title"), ("ok", "я" * 40000, "description")],
)
def test_bad_text_is_refused_and_nothing_is_written(title, description, field):
    with pytest.raises(InvalidInput) as refused:
        actions.do_create_incident(actor=CustomerFactory(), title=title, description=description)
    assert field in refused.value.fields
    assert not Incident.objects.exists()


def test_moving_between_teams_is_for_managers():
    first, second = TeamFactory(), TeamFactory()
    agent = AgentFactory()
    first.members.add(agent)
    incident = actions.do_assign(make_incident(), actor=agent, team=first)
    assert incident.status == Status.IN_PROGRESS
    with pytest.raises(Forbidden):
        actions.do_assign(incident, actor=agent, team=second)
    incident = actions.do_assign(incident, actor=LeadFactory(), team=second)
    assert incident.team == second


def test_assignee_must_belong_to_the_team():
    team = TeamFactory()
    with pytest.raises(InvalidInput) as refused:
        actions.do_assign(make_incident(), actor=LeadFactory(), team=team, assignee=AgentFactory())
    assert "assignee" in refused.value.fields
    with pytest.raises(InvalidInput):
        actions.do_assign(make_incident(), actor=LeadFactory(), assignee=CustomerFactory())


def test_first_response_is_the_first_public_staff_reply():
    agent = AgentFactory()
    incident = make_incident()
    actions.do_add_comment(incident, actor=incident.reporter, body="Ещё деталь")
    actions.do_add_comment(incident, actor=agent, body="Смотрим", visibility="internal")
    incident.refresh_from_db()
    assert incident.first_response_at is None
    actions.do_add_comment(incident, actor=agent, body="Взяли в работу")
    incident.refresh_from_db()
    assert incident.first_response_at is not None


def test_resolve_needs_cause_code_and_notes():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    fixed = ResolutionCode.objects.get(code="fixed")
    cause = Cause.objects.get(code="human_error")
    for kwargs, field in [
        ({"cause": None, "resolution_code": fixed, "notes": "ok"}, "cause"),
        ({"cause": cause, "resolution_code": None, "notes": "ok"}, "resolution_code"),
        ({"cause": cause, "resolution_code": fixed, "notes": ""}, "notes"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            actions.do_resolve(incident, actor=agent, **kwargs)
        assert field in refused.value.fields
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS


def test_customers_cannot_write_internal_notes():
    incident = make_incident()
    with pytest.raises(Forbidden):
        actions.do_add_comment(incident, actor=incident.reporter, body="x", visibility="internal")


def test_attachment_keeps_the_name_for_display_only(settings):
    incident = make_incident()
    upload = SimpleUploadedFile("../../etc/passwd.txt", b"hello", content_type="text/plain")
    attachment = actions.do_add_attachment(incident, actor=incident.reporter, upload=upload)
    assert attachment.original_name == "passwd.txt"
    assert ".." not in attachment.file.name
    assert "passwd" not in attachment.file.name
    assert attachment.file.read() == b"hello"
    assert incident.events.filter(kind=EventKind.ATTACHMENT_ADDED).exists()


def test_attachment_size_limit(settings):
    settings.INCIDESK_MAX_ATTACHMENT_BYTES = 10
    incident = make_incident()
    upload = SimpleUploadedFile("big.bin", b"x" * 11)
    with pytest.raises(InvalidInput) as refused:
        actions.do_add_attachment(incident, actor=incident.reporter, upload=upload)
    assert "file" in refused.value.fields
    assert not incident.attachments.exists()


def test_timeline_is_append_only():
    event = make_incident().events.get()
    event.data = {"forged": True}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert TimelineEvent.objects.get(pk=event.pk).data != {"forged": True}


def test_every_change_records_actor_and_time():
    agent = AgentFactory()
    incident = make_incident(Status.RESOLVED, agent=agent)
    kinds = list(incident.events.values_list("kind", "actor__email"))
    assert kinds[0] == (EventKind.CREATED, incident.reporter.email)
    assert (EventKind.STATUS_CHANGED, agent.email) in kinds
    times = list(incident.events.values_list("at", flat=True))
    assert times == sorted(times)
