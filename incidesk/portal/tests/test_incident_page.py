"""The customer's incident page: status in plain words, the public story, and the customer's
verbs (answer, confirm, reopen, rate)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _page(client, incident):
    client.force_login(incident.reporter)
    return client.get(reverse("portal:incident", args=[incident.number]))


def test_new_incident_reads_registered_awaiting_verification(client):
    incident = make_incident(Status.NEW)
    page = _page(client, incident)
    assert page.context["status_words"] == "зарегистрировано, ожидает проверки"
    assert [step.state for step in page.context["steps"]] == [
        "done",
        "current",
        "todo",
        "todo",
        "todo",
    ]
    assert page.context["promise"].startswith("в течение")


def test_internal_notes_never_reach_the_customer(client):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    actions.do_add_comment(
        incident, actor=agent, body="СЕКРЕТ: клиент опять сам сломал", visibility="internal"
    )
    actions.do_add_attachment(
        incident,
        actor=agent,
        upload=SimpleUploadedFile("internal.txt", b"secret"),
        visibility=Visibility.INTERNAL,
    )
    actions.do_add_comment(incident, actor=agent, body="Смотрим вашу проблему")
    text = _page(client, incident).content.decode()
    assert "Смотрим вашу проблему" in text
    assert "СЕКРЕТ" not in text
    assert "internal.txt" not in text


def test_answering_an_information_request_puts_it_back_to_work(client):
    incident = make_incident(Status.ON_HOLD)
    page = _page(client, incident)
    assert page.context["awaiting_answer"]
    assert page.context["status_words"] == "проверено, ждём вашего ответа"
    response = client.post(
        reverse("portal:act", args=[incident.number, "reply"]),
        {"body": "Модель HP LaserJet 1020", "files": [SimpleUploadedFile("фото.jpg", b"jpg")]},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    reply = incident.comments.order_by("-id").first()
    assert reply.attachments.get().original_name == "фото.jpg"


def test_empty_reply_is_refused_next_to_the_field(client):
    incident = make_incident(Status.IN_PROGRESS)
    client.force_login(incident.reporter)
    response = client.post(reverse("portal:act", args=[incident.number, "reply"]), {"body": " "})
    assert response.status_code == 422
    errors = response.context["reply_form"].errors["body"]
    assert errors == ["Напишите сообщение или приложите файл."]


def test_resolved_shows_result_then_confirm_closes_and_rating_is_kept(client):
    incident = make_incident(Status.RESOLVED)
    page = _page(client, incident)
    assert page.context["status_words"] == "тестирование: подтвердите, что всё исправлено"
    assert "Заменили картридж" in page.content.decode()
    assert page.context["can_confirm"] and page.context["can_reopen"]
    client.post(reverse("portal:act", args=[incident.number, "confirm"]))
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert _page(client, incident).context["can_rate"]
    client.post(
        reverse("portal:act", args=[incident.number, "rate"]), {"rating": "5", "comment": "Быстро"}
    )
    incident.refresh_from_db()
    assert (incident.satisfaction, incident.satisfaction_comment) == (5, "Быстро")
    assert not _page(client, incident).context["can_rate"]


def test_still_not_fixed_reopens_with_the_reason(client):
    incident = make_incident(Status.RESOLVED)
    client.force_login(incident.reporter)
    url = reverse("portal:act", args=[incident.number, "reopen"])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 422
    client.post(url, {"reason": "Всё ещё не печатает"})
    incident.refresh_from_db()
    assert (incident.status, incident.reopen_count) == (Status.IN_PROGRESS, 1)
    assert incident.comments.order_by("-id").first().body == "Всё ещё не печатает"


def test_a_refused_verb_is_explained_not_applied(client):
    incident = make_incident(Status.IN_PROGRESS)
    client.force_login(incident.reporter)
    response = client.post(reverse("portal:act", args=[incident.number, "confirm"]), follow=True)
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    assert any("подтвердить" in str(m).lower() for m in response.context["messages"])


def test_rating_again_from_a_stale_page_is_explained(client):
    incident = make_incident(Status.CLOSED)
    client.force_login(incident.reporter)
    url = reverse("portal:act", args=[incident.number, "rate"])
    client.post(url, {"rating": "5"}, follow=True)
    response = client.post(url, {"rating": "1"}, follow=True)
    incident.refresh_from_db()
    assert incident.satisfaction == 5
    assert not response.context["can_rate"]
    assert [str(m) for m in response.context["messages"]] == ["Это обращение уже оценено."]


def test_another_customers_incident_is_not_found_like_a_missing_one(client):
    incident = make_incident()
    client.force_login(CustomerFactory())
    other = client.get(reverse("portal:incident", args=[incident.number]))
    missing = client.get(reverse("portal:incident", args=["INC-999999"]))
    assert other.status_code == missing.status_code == 404
    reply = client.post(reverse("portal:act", args=[incident.number, "reply"]), {"body": "x"})
    assert reply.status_code == 404
    attachment_url = reverse("portal:file", args=[incident.number, 1])
    assert client.get(attachment_url).status_code == 404


def test_customer_downloads_own_public_file(client):
    incident = make_incident()
    attachment = actions.do_add_attachment(
        incident, actor=incident.reporter, upload=SimpleUploadedFile("скрин.png", b"png-bytes")
    )
    client.force_login(incident.reporter)
    response = client.get(reverse("portal:file", args=[incident.number, attachment.pk]))
    assert b"".join(response.streaming_content) == b"png-bytes"
    assert "attachment" in response["Content-Disposition"]


def test_staff_opening_the_customer_url_go_to_the_workspace(client):
    incident = make_incident()
    client.force_login(AgentFactory())
    response = client.get(reverse("portal:incident", args=[incident.number.lower()]))
    assert response.url == reverse("console:incident", args=[incident.number])
