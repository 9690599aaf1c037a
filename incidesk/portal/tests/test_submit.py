"""Reporting an incident from the portal signed in (without signing in: test_confirm.py)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Level
from incidesk.incidents.models import Attachment, Channel, Incident
from incidesk.incidents.tests.apiclient import nothing_written
from incidesk.incidents.wording import priority_words
from incidesk.portal.tests.forms import REPORT_FORM

pytestmark = pytest.mark.django_db

FORM = {
    **REPORT_FORM,
    "contact_phone": "+7 900 000-00-00",
}


def test_signed_in_customer_reports_with_several_files(client):
    customer = CustomerFactory(time_zone="Asia/Novosibirsk")
    client.force_login(customer)
    files = [
        SimpleUploadedFile("ошибка.png", b"\x89PNG...", content_type="image/png"),
        SimpleUploadedFile("log.txt", b"error 809", content_type="text/plain"),
    ]
    response = client.post(reverse("portal:new"), {**FORM, "files": files})
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:submitted", args=[incident.number])
    assert (incident.reporter, incident.channel, incident.impact, incident.urgency) == (
        customer,
        Channel.PORTAL,
        Level.MEDIUM,
        Level.HIGH,
    )
    assert sorted(Attachment.objects.values_list("original_name", flat=True)) == [
        "log.txt",
        "ошибка.png",
    ]
    page = client.get(response.url)
    text = page.content.decode()
    assert incident.number in text
    assert page.context["priority"] == priority_words(incident.priority) == "высокий"
    assert page.context["promise"].startswith("в течение")
    assert f"Ответим {page.context['promise']}" in text


def test_confirmation_says_priority_and_first_response_in_english(client):
    customer = CustomerFactory(language="en")
    client.force_login(customer)
    client.post(reverse("portal:new"), {**FORM, "impact": Level.HIGH, "urgency": Level.HIGH})
    incident = Incident.objects.get()
    text = client.get(reverse("portal:submitted", args=[incident.number])).content.decode()
    assert f"Registered: {incident.number}" in text
    assert "critical: we act at once" in text
    assert re.search(r"We will answer within \d+ (business )?(hour|minute)", text)


def test_missing_title_is_a_field_error_in_russian(client):
    client.force_login(CustomerFactory())
    with nothing_written():
        response = client.post(reverse("portal:new"), {**FORM, "title": ""})
    assert response.status_code == 422
    assert response.context["form"].errors["title"] == ["Обязательное поле."]


def test_a_refused_file_leaves_nothing_behind(client, settings):
    settings.INCIDESK_MAX_ATTACHMENT_BYTES = 2**20
    client.force_login(CustomerFactory(language="en"))
    big = SimpleUploadedFile("big.bin", b"x" * (2**20 + 1))
    with nothing_written():
        response = client.post(reverse("portal:new"), {**FORM, "files": [big]})
    assert response.status_code == 422
    assert response.context["form"].errors["files"] == ["The file is larger than 1 MiB."]


def test_staff_are_sent_to_the_console(client):
    client.force_login(AgentFactory())
    assert client.get(reverse("portal:new")).url == reverse("console:queues")
