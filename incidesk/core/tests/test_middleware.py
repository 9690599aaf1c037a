"""Responses with someone's data carry `Cache-Control: no-store, private`; static files and
views that chose their own caching keep theirs."""

import pytest
import time_machine
from django.urls import reverse

from incidesk.accounts.tests.factories import CustomerFactory, LeadFactory
from incidesk.core.middleware import NO_STORE
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident
from incidesk.portal.models import TrackingLink

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_is_not_stored(client):
    customer = CustomerFactory()
    client.force_login(customer)
    response = client.get(reverse("portal:list"))
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_an_anonymous_public_page_is_left_alone(client):
    response = client.get(reverse("web:password_reset"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_view_that_sets_its_own_caching_keeps_it(client):
    client.force_login(CustomerFactory())
    response = client.get(reverse("web:login"))  # Django's LoginView is never_cache
    assert "max-age=0" in response["Cache-Control"]


def test_every_api_response_is_not_stored(client):
    response = Api(CustomerFactory()).get("/incidents")
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    anonymous = client.get("/api/v1/incidents")
    assert anonymous.status_code == 401
    assert anonymous["Cache-Control"] == NO_STORE


def test_an_export_is_not_stored():
    with time_machine.travel("2026-11-14 12:00Z"):
        response = Api(LeadFactory()).get(
            "/reports/export/incidents.xlsx", {"date_from": "2026-11-01", "date_to": "2026-11-13"}
        )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == NO_STORE


def test_a_tracking_link_is_not_stored(client):
    token = TrackingLink.issue(make_incident())
    response = client.get(reverse("portal:track", args=[token]))
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_static_files_stay_cacheable(client, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(CustomerFactory())
    response = client.get("/static/web/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
