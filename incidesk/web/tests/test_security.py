"""What keeps the UI safe: CSP with no inline script, escaping, CSRF, guessing limits."""

import pytest
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.incidents import actions
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_every_page_forbids_inline_script(client):
    response = client.get(reverse("web:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()


def test_user_text_is_shown_as_text(client):
    incident = make_incident(title=PAYLOAD, description=PAYLOAD)
    actions.do_add_comment(incident, actor=incident.reporter, body=PAYLOAD)
    client.force_login(incident.reporter)
    text = client.get(reverse("portal:incident", args=[incident.number])).content.decode()
    assert PAYLOAD not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    listing = client.get(reverse("portal:list")).content.decode()
    assert PAYLOAD not in listing


def test_forms_without_the_csrf_token_are_refused():
    incident = make_incident()
    assert incident.reporter is not None
    client = Client(enforce_csrf_checks=True)
    client.force_login(incident.reporter)
    response = client.post(
        reverse("portal:act", args=[incident.number, "reply"]), {"body": "Без токена"}
    )
    assert response.status_code == 403
    assert not incident.comments.exists()


def test_password_guessing_is_stopped_after_five_failures(client, settings):
    customer = CustomerFactory(email="ivan@example.com")
    customer.set_password("correct-horse-42")
    customer.save()
    url = reverse("web:login")
    for _ in range(5):
        client.post(url, {"username": "ivan@example.com", "password": "wrong"})
    locked = client.post(url, {"username": "ivan@example.com", "password": "correct-horse-42"})
    assert locked.status_code == 429
    assert "15" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_api_docs_load_nothing_from_a_cdn(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page and "https://" not in page
