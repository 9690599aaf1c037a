"""The dashboard page and its SVG charts."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from incidesk.analytics.tests.dataset import at

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2026-11-09", "date_to": "2026-11-13"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(user, path, **params):
    with time_machine.travel(at(14, 12), tick=False):
        return client_for(user).get(path, {**PERIOD, **params})


def test_dashboard_shows_numbers_definitions_and_charts(desk):
    response = get(desk.lead, "/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="table-sla"' in html
    assert 'data-bs-toggle="tooltip"' in html
    assert "MTTA = " in html or "MTTA =" in html
    assert (
        '<object class="analytics-chart" type="image/svg+xml" data="/reports/charts/trend.svg?'
        in html
    )
    assert "style=" not in html.split("<main", 1)[1]
    assert "<script>" not in html


def test_dashboard_in_english_and_russian(desk):
    desk.lead.language = "en"
    desk.lead.save()
    assert "Resolution quality" in get(desk.lead, "/reports/").content.decode()
    desk.lead.language = "ru"
    desk.lead.save()
    page = get(desk.lead, "/reports/").content.decode()
    assert "Качество решения" in page
    # A count, not a status: the project catalogue's "Зарегистрирован" must not win here.
    assert "Зарегистрировано" in page


def test_invalid_filter_shows_errors_over_the_default_period(desk):
    response = get(desk.lead, "/reports/", date_from="2026-11-13", date_to="2026-11-01")
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_customers_are_kept_out(desk):
    assert get(desk.customer, "/reports/").status_code == 403
    assert get(desk.customer, "/reports/charts/trend.svg").status_code == 403


def test_chart_is_svg_with_its_own_policy_and_drilldown_links(desk):
    response = get(desk.lead, "/reports/charts/causes.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("default-src 'none'; style-src")
    svg = response.content.decode()
    assert "<script" not in svg
    assert 'target="_top"' in svg
    assert "cause=technical_fault" in svg
    assert "created_from=2026-11-09" in svg


def test_trend_and_backlog_charts(desk):
    trend = get(desk.lead, "/reports/charts/trend.svg").content.decode()
    assert "created_from=2026-11-10&amp;created_to=2026-11-10" in trend
    backlog = get(desk.lead, "/reports/charts/backlog.svg").content.decode()
    assert "status=new%2Cin_progress%2Con_hold" in backlog
    assert get(desk.lead, "/reports/charts/nothing.svg").status_code == 404
