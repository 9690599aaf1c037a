"""The queue page's kept choice lists: read once, read again after any change they show, and
left alone by the saves they do not show (customers, sign-ins)."""

import pytest
from django.contrib.auth.models import update_last_login
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidesk.accounts.models import Role
from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
)
from incidesk.catalog.models import Category, Cause
from incidesk.console import choices, queues
from incidesk.core.generations import token
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

QUEUES_URL = reverse("console:queues")
LISTS = tuple(
    f'SELECT "{table}"."id"'
    for table in ("accounts_team", "catalog_category", "catalog_cause", "accounts_organisation")
)


def _page(client) -> str:
    return client.get(QUEUES_URL).content.decode()


def test_the_lists_are_read_once(agent_client):
    _page(agent_client)
    with CaptureQueriesContext(connection) as page:
        html = _page(agent_client)
    read = [query["sql"] for query in page.captured_queries]
    assert not [sql for sql in read if sql.startswith(LISTS)]
    assert not [sql for sql in read if '"accounts_user"."role" IN' in sql]  # the staff
    assert "Анна Агентова" in html and "Первая линия" in html


def test_every_change_they_show_is_on_the_next_page(agent_client, agent, team):
    _page(agent_client)
    Category.objects.create(code="printers", name_ru="Принтеры", name_en="Printers")
    cause = Cause.objects.create(code="toner", name_ru="Тонер", name_en="Toner")
    OrganisationFactory(name="ООО Ромашка")
    html = _page(agent_client)
    assert ">Принтеры<" in html and ">Тонер<" in html and ">ООО Ромашка<" in html

    team.name = "Вторая линия"
    team.save()
    cause.delete()
    newcomer = AgentFactory(full_name="Вера Новенькая")
    html = _page(agent_client)
    assert "Вторая линия" in html and "Первая линия" not in html and ">Тонер<" not in html
    assert html.count(">Вера Новенькая<") == 2  # the filter and the bulk action

    newcomer.full_name = "Вера Старенькая"
    newcomer.save()
    assert html.count("Вера Новенькая") == 2
    assert _page(agent_client).count(">Вера Старенькая<") == 2
    newcomer.is_active = False
    newcomer.save()
    assert "Вера Старенькая" not in _page(agent_client)

    colleague = AgentFactory(full_name="Глеб Уходящий")
    assert "Глеб Уходящий" in _page(agent_client)
    colleague.role = Role.CUSTOMER
    colleague.save(update_fields=["role"])
    assert "Глеб Уходящий" not in _page(agent_client)
    promoted = CustomerFactory(full_name="Дина Повышенная")
    assert "Дина Повышенная" not in _page(agent_client)
    promoted.role = Role.AGENT
    promoted.save()
    assert "Дина Повышенная" in _page(agent_client)
    promoted.delete()
    assert "Дина Повышенная" not in _page(agent_client)


def test_customers_and_sign_ins_leave_the_lists_alone(agent):
    before = token(choices.GENERATION)
    customer = CustomerFactory(organisation=None)  # a new organisation is in a list
    customer.full_name = "Другое имя"
    customer.save()
    update_last_login(type(agent), agent)
    agent.phone = "+7 900 000-00-00"
    agent.save()
    assert token(choices.GENERATION) == before


def test_each_form_keeps_its_own_empty_choice(agent_client):
    html = _page(agent_client)
    for words in ("Любой исполнитель", "— выберите исполнителя —", "Все группы"):
        assert f'<option value="" selected>{words}</option>' in html
    assert '<option value="" selected>— выберите группу —</option>' in html


def test_a_chosen_filter_is_still_checked_against_the_database(agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    category = Category.objects.create(code="gone", name_ru="Ушедшая", name_en="Gone")
    Incident.objects.filter(pk=incident.pk).update(category=category)
    _page(agent_client)
    Category.objects.filter(pk=category.pk).update(is_active=False)  # no signal, no bump
    response = agent_client.get(QUEUES_URL, {"category": "gone"})
    assert "category" in response.context["form"].errors


def test_rows_by_the_kept_statement_are_the_querysets(agent, colleague):
    made = [make_incident(Status.IN_PROGRESS, agent=agent) for _ in range(3)]
    made.append(make_incident(Status.ON_HOLD, agent=colleague))
    ids = [incident.pk for incident in made]
    kept = {row.pk: row for row in queues.load_rows(ids)}
    plain = {row.pk: row for row in queues.rows().filter(pk__in=ids)}
    assert kept.keys() == plain.keys() == set(ids)
    for pk, row in plain.items():
        for name in ("number", "title", "status", "paused", "resolution_due_at"):
            assert getattr(kept[pk], name) == getattr(row, name)
        assert kept[pk].assignee == row.assignee
        assert kept[pk].get_deferred_fields() == row.get_deferred_fields()
    assert [row.pk for row in queues.load_rows(ids[:1])] == ids[:1]
