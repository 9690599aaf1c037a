"""Custom fields in the workspace: shown in the details, edited in their own section, and the
resolve form asks for those required to resolve, refusing with the error at the field."""

import pytest
from django.urls import reverse

from incidesk.fields.models import FieldDefinition, FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _post(client, incident: Incident, verb: str, **fields):
    incident.refresh_from_db()
    data = {f"{verb}-version": incident.version, **{f"{verb}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("console:act", args=[incident.number, verb]), data)


def _page(client, incident: Incident):
    return client.get(reverse("console:incident", args=[incident.number]))


def _section(response, name: str):
    return next(s for s in response.context["sections"] if s.name == name)


@pytest.fixture
def fields():
    make_field("serial", label_ru="Заводской номер")
    make_field(
        "severity",
        FieldType.CHOICE,
        choices=SEVERITY,
        label_ru="Серьёзность",
        required_on_resolve=True,
    )
    make_field("onsite", FieldType.BOOLEAN, label_ru="Выезд")


def test_no_section_without_definitions(agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    assert "custom" not in [s.name for s in _page(agent_client, incident).context["sections"]]


def test_an_agent_edits_values_and_sees_them_in_words(fields, agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    form = _section(_page(agent_client, incident), "custom").form
    assert {"custom.serial", "custom.severity", "custom.onsite"} <= set(form.fields)
    response = _post(
        agent_client, incident, "custom", **{"custom.severity": "high", "custom.onsite": "yes"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.custom == {"severity": "high", "onsite": True}
    page = _page(agent_client, incident).content.decode()
    assert "Высокая" in page and "Серьёзность" in page
    assert "Выезд: — → да" in page  # the timeline tells the change in words


def test_a_wrong_value_is_shown_at_its_field(fields, agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    response = _post(agent_client, incident, "custom", **{"custom.severity": "urgent"})
    assert response.status_code == 422
    assert _section(response, "custom").form.errors["custom.severity"]


def test_resolve_is_refused_naming_the_required_field_then_accepted(fields, agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    resolve = _section(_page(agent_client, incident), "resolve").form
    assert set(resolve.fields) >= {"custom.severity"}
    assert "custom.serial" not in resolve.fields  # only those required to resolve
    given = {"cause": "software_error", "resolution_code": "workaround", "notes": "Обновили"}
    response = _post(agent_client, incident, "resolve", **given)
    assert response.status_code == 422
    errors = _section(response, "resolve").form.errors
    assert list(errors) == ["custom.severity"]
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    response = _post(agent_client, incident, "resolve", **given, **{"custom.severity": "low"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.custom == {"severity": "low"}


def test_a_removed_choice_stays_when_other_fields_are_edited(fields, agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    actions.do_set_custom_fields(incident, actor=agent, values={"severity": "high"})
    severity = FieldDefinition.objects.get(code="severity")
    severity.choices = [SEVERITY[0]]
    severity.save()
    form = _section(_page(agent_client, incident), "custom").form
    assert ("high", "high") in form.fields["custom.severity"].choices
    response = _post(
        agent_client, incident, "custom", **{"custom.severity": "high", "custom.serial": "SN-2"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.custom == {"severity": "high", "serial": "SN-2"}
