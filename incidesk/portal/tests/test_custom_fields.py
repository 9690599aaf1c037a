"""Custom fields in the portal: the report form offers those customers fill in (required ones
refused at the field), and the incident page shows only those customers see."""

import re

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.tests.apiclient import nothing_written
from incidesk.incidents.tests.factories import make_incident
from incidesk.portal.models import PendingReport
from incidesk.portal.tests.forms import REPORT_FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields():
    make_field(
        "serial",
        label_ru="Инвентарный номер",
        customer_visible=True,
        customer_fillable=True,
        required_on_create=True,
    )
    make_field("urgency_class", FieldType.CHOICE, choices=SEVERITY, label_ru="Класс")
    make_field(
        "approver",
        label_ru="Согласующий",
        customer_fillable=True,
        customer_visible=True,
        kinds=["service_request"],
        required_on_create=True,
    )


def test_the_report_form_offers_fillable_fields_and_requires_them(client, fields):
    client.force_login(CustomerFactory())
    page = client.get(reverse("portal:new")).content.decode()
    assert "Инвентарный номер" in page and "Класс" not in page
    with nothing_written():
        refused = client.post(reverse("portal:new"), REPORT_FORM)
    assert refused.status_code == 422
    assert list(refused.context["form"].errors) == ["custom.serial"]  # not the request's field
    response = client.post(reverse("portal:new"), {**REPORT_FORM, "custom.serial": "ИНВ-42"})
    assert response.status_code == 302
    assert Incident.objects.get().custom == {"serial": "ИНВ-42"}


def test_the_incident_page_shows_only_values_customers_see(client, fields):
    agent = AgentFactory()
    incident = make_incident(custom={"serial": "ИНВ-42"})
    values = {"urgency_class": "high", "serial": "ИНВ-43"}
    actions.do_set_custom_fields(incident, actor=agent, values=values)
    client.force_login(incident.reporter)
    page = client.get(reverse("portal:incident", args=[incident.number])).content.decode()
    assert "ИНВ-43" in page
    assert page.count("Инвентарный номер") == 2  # the value, and its change on the timeline
    assert "Высокая" not in page and "Класс" not in page


def _link(body: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:8000(/confirm/[\w-]+/)", body)
    assert found is not None
    return found.group(1)


def test_a_report_without_an_account_carries_its_values_through_confirmation(
    client, fields, run_tasks, mailoutbox
):
    form = {**REPORT_FORM, "contact_name": "Анна", "contact_email": "anna@example.com"}
    page = client.get(reverse("portal:new")).content.decode()
    assert "Инвентарный номер" in page and "Класс" not in page
    with nothing_written():
        refused = client.post(reverse("portal:new"), form)
    assert refused.status_code == 422
    assert list(refused.context["form"].errors) == ["custom.serial"]
    sent = {**form, "custom.serial": "ИНВ-42", "custom.urgency_class": "high"}
    assert client.post(reverse("portal:new"), sent).status_code == 200
    # A field customers do not fill in is not even read.
    assert PendingReport.objects.get().custom == {"serial": "ИНВ-42"}
    run_tasks()
    link = _link(mailoutbox[0].body)
    confirm = client.get(link).content.decode()
    assert "Инвентарный номер" in confirm and "ИНВ-42" in confirm
    client.post(link)
    assert Incident.objects.get().custom == {"serial": "ИНВ-42"}


def test_a_desk_address_files_the_values_through_the_edit_action(
    client, fields, run_tasks, mailoutbox
):
    make_field("host", label_ru="Узел", required_on_create=True)  # the desk's own, required
    agent = AgentFactory(email="agent@example.com")
    form = {**REPORT_FORM, "contact_name": "Агент", "contact_email": agent.email}
    client.post(reverse("portal:new"), {**form, "custom.serial": "ИНВ-42"})
    run_tasks()
    link = _link(mailoutbox[0].body)
    client.post(link)
    incident = Incident.objects.get()
    assert (incident.contact_email, incident.custom) == (agent.email, {"serial": "ИНВ-42"})
