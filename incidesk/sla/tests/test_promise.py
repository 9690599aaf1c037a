"""The customer is told at registration when to expect the first response."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidesk.accounts.models import ApiToken
from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla.models import Metric
from incidesk.sla.promise import promise

pytestmark = pytest.mark.django_db

FRIDAY_1730 = datetime(2026, 11, 13, 17, 30, tzinfo=ZoneInfo("Europe/Moscow"))


def _register(client, customer, **body) -> dict:
    token = ApiToken.issue(customer)
    response = client.post(
        "/api/v1/incidents",
        {"title": "Не работает VPN", **body},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_registration_answer_carries_the_promise_in_russian(client):
    customer = CustomerFactory(language="ru")
    with time_machine.travel(FRIDAY_1730, tick=False):
        incident = _register(client, customer)
    assert incident["priority"] == 3
    assert incident["response_promise"] == (
        "в течение 4 рабочих часов — в понедельник, 16 ноября, до 12:30"
    )
    assert incident["response_due"] == "2026-11-16T09:30:00Z"  # 12:30 in Moscow
    assert [c["metric"] for c in incident["sla"]] == ["response", "resolution"]


def test_promise_uses_the_customers_language_and_time_zone(client):
    customer = CustomerFactory(language="en", time_zone="Asia/Novosibirsk")
    with time_machine.travel(FRIDAY_1730, tick=False):
        incident = _register(client, customer, impact="high", urgency="high")
    assert incident["response_promise"] == "within 15 minutes — today by 21:45"


def test_working_day_targets_are_said_in_days():
    customer = CustomerFactory(language="ru")
    with time_machine.travel(FRIDAY_1730, tick=False):
        incident = make_incident(reporter=customer, impact="low", urgency="low")
        clock = incident.sla_clocks.get(metric=Metric.RESPONSE)
        assert promise(clock, customer) == (
            "в течение 2 рабочих дней — во вторник, 17 ноября, до 18:00"
        )


@pytest.mark.parametrize(
    ("language", "at", "said"),
    [
        ("ru", datetime(2026, 11, 16, 9, 0), "в течение 4 рабочих часов — сегодня до 13:00"),
        ("en", datetime(2026, 11, 16, 9, 0), "within 4 business hours — today by 13:00"),
        ("ru", datetime(2026, 11, 16, 17, 0), "в течение 4 рабочих часов — завтра до 12:00"),
        ("en", datetime(2026, 11, 16, 17, 0), "within 4 business hours — tomorrow by 12:00"),
        (
            "ru",
            datetime(2026, 11, 20, 17, 0),
            "в течение 4 рабочих часов — в понедельник, 23 ноября, до 12:00",
        ),
        (
            "en",
            datetime(2026, 11, 20, 17, 0),
            "within 4 business hours — on Monday, 23 November, by 12:00",
        ),
        (
            "ru",
            datetime(2026, 12, 31, 17, 0),
            "в течение 4 рабочих часов — в понедельник, 11 января 2027, до 13:00",
        ),
    ],
)
def test_promise_names_today_tomorrow_or_the_weekday(language, at, said):
    """The default calendar works 9–18 Moscow time, Monday to Friday, with the New Year
    holidays: a day that is neither today nor tomorrow is named by its weekday, with the year
    when it is not this one."""
    customer = CustomerFactory(language=language)
    with time_machine.travel(at.replace(tzinfo=ZoneInfo("Europe/Moscow")), tick=False):
        incident = make_incident(reporter=customer)
        clock = incident.sla_clocks.get(metric=Metric.RESPONSE)
        assert promise(clock, customer) == said
