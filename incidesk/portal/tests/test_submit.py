"""Reporting an incident from the portal, signed in or not."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Level
from incidesk.incidents.models import Attachment, Channel, Incident
from incidesk.incidents.tests.apiclient import nothing_written
from incidesk.incidents.wording import priority_words
from incidesk.portal.models import TrackingLink, hash_token

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "incident",
    "title": "Не работает VPN",
    "description": "Ошибка 809 при подключении из дома.",
    "category": "",
    "service": "",
    "impact": Level.MEDIUM,
    "urgency": Level.HIGH,
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


def test_visitor_without_account_gets_a_private_tracking_link(client):
    response = client.post(
        reverse("portal:new"),
        {**FORM, "contact_name": "Анна Смирнова", "contact_email": "Anna@Example.com"},
    )
    incident = Incident.objects.get()
    contact = User.objects.get(email="anna@example.com")
    assert incident.reporter == contact
    assert not contact.has_usable_password()
    token = response.url.split("/")[2]
    assert TrackingLink.objects.get(incident=incident).token_hash == hash_token(token)
    confirmation = client.get(response.url).content.decode()
    assert f"/track/{token}/" in confirmation
    page = client.get(reverse("portal:track", args=[token]))
    assert page.status_code == 200
    assert incident.title in page.content.decode()
    # The number alone opens nothing.
    assert client.get(reverse("portal:incident", args=[incident.number])).status_code == 302
    assert client.get(reverse("portal:track", args=[incident.number])).status_code == 404
    forged = ("y" if token[0] == "x" else "x") + token[1:]
    assert client.get(reverse("portal:track", args=[forged])).status_code == 404


def test_visitor_can_follow_up_through_the_link(client):
    response = client.post(
        reverse("portal:new"), {**FORM, "contact_name": "Анна", "contact_email": "anna@example.com"}
    )
    token = response.url.split("/")[2]
    reply = client.post(
        reverse("portal:track_act", args=[token, "reply"]), {"body": "Добавлю: с ноутбука тоже"}
    )
    assert reply.status_code == 302
    assert Incident.objects.get().comments.get().body == "Добавлю: с ноутбука тоже"


def test_staff_address_cannot_be_used_without_signing_in(client):
    AgentFactory(email="agent@example.com")
    with nothing_written():
        response = client.post(
            reverse("portal:new"),
            {**FORM, "contact_name": "Я", "contact_email": "agent@example.com"},
        )
    assert response.status_code == 422
    assert response.context["form"].errors["contact_email"] == [
        "Этот адрес принадлежит сотруднику поддержки: войдите в систему."
    ]


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
