"""Similar incidents, known errors and groups, read through the access rules."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.translation import override

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.recurring import similarity, wording
from incidesk.recurring.tests.helpers import (
    PRINTER_TITLES,
    customers,
    make_known_error,
    make_vpn_wave,
)

pytestmark = pytest.mark.django_db


def _groups(user, days: int = 14):
    """What the worker finds (`compute_groups`) and what `user` is then shown of it."""
    until = timezone.now() + timedelta(minutes=1)
    since = until - timedelta(days=days)
    found = similarity.compute_groups(since=since, until=until)
    return similarity.stored_groups(found, since=since, until=until, user=user)


def test_latin_typed_text_finds_the_russian_incident_and_explains_why():
    wave = make_vpn_wave()
    make_incident(title="Принтер зажевал бумагу")
    matches = similarity.similar_incidents("vpn ne podklyuchaetsya", user=AgentFactory())
    assert {match.incident for match in matches} <= set(wave)
    top = matches[0]
    assert top.score >= 0.3
    assert {"vpn", "подключается"} & {term.lower() for term in top.shared_terms}


def test_similar_to_an_incident_names_the_shared_fields_and_leaves_itself_out():
    first, *others = make_vpn_wave()
    matches = similarity.similar_incidents(first, user=AgentFactory())
    assert first not in [match.incident for match in matches]
    assert {match.incident for match in matches} <= set(others)
    assert all("service" in match.shared_fields for match in matches)
    assert "organisation" not in matches[0].shared_fields


def test_a_customer_never_gets_another_customers_incident():
    mine, theirs = customers(2)
    make_vpn_wave([theirs] * 5)
    own = make_incident(reporter=mine, title="VPN не подключается, ошибка 809")
    matches = similarity.similar_incidents("ошибка 809 vpn", user=mine)
    assert [match.incident for match in matches] == [own]


def test_open_only_and_the_time_window():
    agent = AgentFactory()
    with time_machine.travel(timezone.now() - timedelta(days=60)):
        make_incident(title="VPN не подключается, ошибка 809")
    resolved = make_incident(Status.RESOLVED, title="VPN не подключается, ошибка 809")
    assert similarity.similar_incidents("VPN ошибка 809", user=agent) == []
    matches = similarity.similar_incidents("VPN ошибка 809", user=agent, open_only=False)
    assert [match.incident for match in matches] == [resolved]


def test_unrelated_or_empty_text_matches_nothing():
    make_vpn_wave()
    agent = AgentFactory()
    assert similarity.similar_incidents("Нужен новый стул в переговорную", user=agent) == []
    assert similarity.similar_incidents("и не", user=agent) == []


def test_known_errors_match_by_text_for_any_signed_in_user():
    known = make_known_error("VPN: ошибка 809 при подключении", "Перезагрузите роутер.")
    make_known_error("Принтер печатает полосами", "Замените картридж.")
    matches = similarity.similar_known_errors("vpn oshibka 809", CustomerFactory())
    assert [match.problem for match in matches] == [known]
    assert "809" in matches[0].shared_terms


def test_groups_tie_similar_incidents_across_organisations():
    wave = make_vpn_wave()
    printer = [make_incident(title=title) for title in PRINTER_TITLES]
    make_incident(title="Нужен доступ к папке бухгалтерии")
    groups = _groups(LeadFactory())
    assert [set(group.incidents) for group in groups] == [set(wave), set(printer)]
    vpn = groups[0]
    assert vpn.size == 5 and vpn.organisations == 5
    assert "809" in vpn.top_terms
    assert vpn.shared_fields == ["service"]


def test_group_trend_compares_the_two_halves_of_the_window():
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        old = make_incident(title="VPN не подключается, ошибка 809")
    make_vpn_wave()
    (group,) = _groups(LeadFactory())
    assert old in group.incidents
    assert (group.recent, group.earlier, group.trend) == (5, 1, 4)


def test_groups_follow_the_access_rule():
    mine, theirs = customers(2)
    make_vpn_wave([theirs] * 5)
    assert _groups(mine) == []


def test_group_summary_uses_russian_plurals():
    make_vpn_wave()
    (group,) = _groups(LeadFactory(), days=7)
    with override("ru"):
        summary = wording.group_summary(group)
    assert summary.startswith("5 инцидентов по теме «")
    assert summary.endswith("» за 7 дней, 5 организаций")
    with override("en"):
        assert wording.group_summary(group).startswith("5 incidents about “")
