"""Reporting without signing in: nothing is filed until the owner of the address confirms it
through the mailed link, and the page answers the same for every address."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Level
from incidesk.incidents.models import Attachment, Channel, Incident
from incidesk.incidents.tests.apiclient import nothing_written
from incidesk.portal.models import PendingFile, PendingReport, TrackingLink, hash_token
from incidesk.portal.tests.forms import REPORT_FORM

pytestmark = pytest.mark.django_db

FORM = {
    **REPORT_FORM,
    "contact_phone": "+7 900 000-00-00",
    "contact_name": "Анна Смирнова",
}
LINK = re.compile(r"http://127\.0\.0\.1:8000(/confirm/[\w-]+/)")


def _report(client, email: str, **fields):
    return client.post(reverse("portal:new"), {**FORM, "contact_email": email, **fields})


def _answer(response, hidden: str) -> str:
    """The page with `hidden` (the address, the path) and the per-request CSRF tokens taken
    out."""
    text = response.content.decode().replace(hidden, "HIDDEN")
    return re.sub(r"csrfmiddlewaretoken\" value=\"\w+|X-CSRFToken\": \"\w+", "CSRF", text)


def _link(mail) -> str:
    return LINK.search(mail.body).group(1)


def test_the_page_answers_the_same_for_every_address_and_files_nothing(client):
    CustomerFactory(email="customer@example.com")
    AgentFactory(email="agent@example.com")
    CustomerFactory(email="gone@example.com", is_active=False)
    answers = set()
    for email in ["customer@example.com", "agent@example.com", "gone@example.com", "new@x.org"]:
        with nothing_written():
            response = _report(client, email)
        assert response.status_code == 200
        assert (
            f"Проверьте почту: мы отправили ссылку для подтверждения на {email}"
            in response.content.decode()
        )
        answers.add(_answer(response, email))
    assert len(answers) == 1
    assert not Incident.objects.exists()
    assert not User.objects.filter(email="new@x.org").exists()
    assert PendingReport.objects.count() == 4


def test_an_existing_customer_confirms_by_link_and_it_is_filed_as_them(
    client, run_tasks, mailoutbox
):
    customer = CustomerFactory(email="ivan@example.com", language="en", full_name="Ivan")
    files = [SimpleUploadedFile("скан.png", b"\x89PNG...", content_type="image/png")]
    _report(client, "Ivan@Example.com", files=files)
    run_tasks()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ivan@example.com"]
    assert mail.subject == "Confirm your request: Не работает VPN"
    assert "Hello, Ivan!" in mail.body
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"
    link = _link(mail)
    token = link.split("/")[2]
    assert PendingReport.objects.get().token_hash == hash_token(token)

    # Opening the link (or a mail scanner fetching it) files nothing.
    with nothing_written():
        page = client.get(link)
    assert page.status_code == 200
    assert "Подтвердить" in page.content.decode()
    assert "скан.png" in page.content.decode()

    response = client.post(link)
    incident = Incident.objects.get()
    assert (incident.reporter, incident.channel, incident.urgency) == (
        customer,
        Channel.PORTAL,
        Level.HIGH,
    )
    assert Attachment.objects.get(incident=incident).original_name == "скан.png"
    assert not PendingReport.objects.exists()
    assert not PendingFile.objects.exists()
    tracking = TrackingLink.objects.get(incident=incident)
    assert response.url.startswith("/track/")
    assert tracking.token_hash == hash_token(response.url.split("/")[2])
    confirmation = client.get(response.url)
    assert incident.number in confirmation.content.decode()
    assert confirmation.context["promise"].startswith("within")  # in the customer's language
    # The link works once.
    assert client.post(link).status_code == 404
    assert Incident.objects.count() == 1


def test_an_unknown_address_becomes_a_contact_only_when_confirmed(client, run_tasks, mailoutbox):
    _report(client, "Anna@Example.com")
    run_tasks()
    assert not User.objects.filter(email="anna@example.com").exists()
    mail = mailoutbox[0]
    assert mail.subject == "Подтвердите обращение: Не работает VPN"
    assert "Здравствуйте, Анна Смирнова!" in mail.body
    response = client.post(_link(mail))
    contact = User.objects.get(email="anna@example.com")
    assert not contact.has_usable_password()
    assert Incident.objects.get().reporter == contact
    page = client.get(response.url)
    assert page.status_code == 200
    assert "/track/" in page.context["tracking_url"]
    assert client.get(page.context["tracking_url"]).status_code == 200


def test_a_desk_agents_address_is_filed_as_the_agent_only_when_confirmed(
    client, run_tasks, mailoutbox
):
    agent = AgentFactory(email="agent@example.com")
    _report(client, "agent@example.com")
    assert not Incident.objects.exists()
    run_tasks()
    response = client.post(_link(mailoutbox[0]))
    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.reporter is None
    assert incident.contact_email == agent.email
    assert incident.events.get(kind="created").actor == agent
    assert not TrackingLink.objects.exists()
    assert response.context["tracking_url"] == ""
    assert incident.number in response.content.decode()


def test_a_disabled_account_gets_no_mail_and_its_link_is_refused(client, run_tasks, mailoutbox):
    CustomerFactory(email="gone@example.com", is_active=False)
    _report(client, "gone@example.com")
    run_tasks()
    assert mailoutbox == []
    assert not PendingReport.objects.exists()

    customer = CustomerFactory(email="later@example.com")
    _report(client, "later@example.com")
    run_tasks()
    link = _link(mailoutbox[0])
    customer.is_active = False
    customer.save()
    wrong_link = reverse("portal:confirm", args=["x" * 43])
    wrong = _answer(client.get(wrong_link), wrong_link)
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 404
        assert _answer(response, link) == wrong
        assert "Ссылка недействительна или устарела" in response.content.decode()
    assert not Incident.objects.exists()


def test_an_expired_link_is_refused_and_purged_with_its_files(
    client, run_tasks, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.INCIDESK_REPORT_CONFIRM_HOURS = 24
    _report(client, "anna@example.com", files=[SimpleUploadedFile("a.txt", b"log")])
    run_tasks()
    stored = PendingFile.objects.get().file.name
    assert default_storage.exists(stored)
    link = _link(mailoutbox[0])
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert client.post(link).status_code == 404
        with django_capture_on_commit_callbacks(execute=True):
            _report(client, "someone@example.com")
    assert not Incident.objects.exists()
    assert list(PendingReport.objects.values_list("email", flat=True)) == ["someone@example.com"]
    assert not default_storage.exists(stored)


def test_a_failed_send_is_retried_with_a_new_link(client, run_tasks, mailoutbox, settings):
    settings.EMAIL_BACKEND = "incidesk.portal.tests.test_confirm.RefusingBackend"
    _report(client, "anna@example.com")
    run_tasks()
    report = PendingReport.objects.get()
    assert (report.attempts, report.token_hash, report.mailed_at) == (1, None, None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        run_tasks()
        assert len(mailoutbox) == 1
        client.post(_link(mailoutbox[0]))
    assert Incident.objects.get().contact_email == "anna@example.com"


class RefusingBackend:
    def __init__(self, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise ConnectionRefusedError("SMTP is down")


def test_an_oversized_file_is_refused_before_anything_is_kept(client, settings):
    settings.INCIDESK_MAX_ATTACHMENT_BYTES = 2**20
    big = SimpleUploadedFile("big.bin", b"x" * (2**20 + 1))
    response = _report(client, "anna@example.com", files=[big])
    assert response.status_code == 422
    assert response.context["form"].errors["files"] == ["Размер файла превышает 1 МБ."]
    assert not PendingReport.objects.exists()


def test_signed_in_customers_are_not_asked_to_confirm(client):
    customer = CustomerFactory()
    client.force_login(customer)
    response = client.post(reverse("portal:new"), FORM)
    assert Incident.objects.get().reporter == customer
    assert response.url == reverse("portal:submitted", args=[Incident.objects.get().number])
