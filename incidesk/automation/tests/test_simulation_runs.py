"""A window too large for the request is simulated by the worker: the page polls the run for
its progress and shows the result the worker stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory
from incidesk.automation import runs
from incidesk.automation.models import RoutingRule, SimulationRun, SimulationStatus
from incidesk.automation.tests.conftest import make_desk
from incidesk.automation.tests.test_console import rule_data, signed_in
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(monkeypatch):
    """Any window counts as large."""
    monkeypatch.setattr(runs, "INLINE_LIMIT", 0)


def test_a_large_window_runs_in_the_worker_and_the_page_polls_for_its_result(large, run_tasks):
    desk = make_desk()
    make_incident(reporter=desk.customer, title="Не работает VPN")
    make_incident(reporter=desk.customer, title="Не печатает принтер")
    client = signed_in(LeadFactory())
    data = rule_data(
        name=desk.rule.name,
        team=desk.team.pk,
        words="VPN, впн, принтер",
        organisations=str(desk.organisation.pk),
        tag_list="vpn",
        days="30",
        simulate="1",
    )

    response = client.post(reverse("automation:rule_edit", args=[desk.rule.pk]), data)

    assert response.status_code == 200
    assert response.context["simulation"] is None
    run = SimulationRun.objects.get()
    assert (run.status, run.days, run.draft["pk"]) == (SimulationStatus.QUEUED, 30, desk.rule.pk)
    poll = reverse("automation:simulation_run", args=[run.pk])
    assert f'hx-get="{poll}"' in response.content.decode()
    waiting = client.get(poll).content.decode()
    assert "в фоне" in waiting and 'hx-trigger="load delay:1s"' in waiting

    run_tasks()

    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (SimulationStatus.DONE, 2, 2)
    page = client.get(poll)
    assert (page.context["simulation"].examined, page.context["simulation"].changed) == (2, 1)
    assert "hx-get" not in page.content.decode()  # done: the polling stops
    assert "Что изменилось бы" in page.content.decode()
    desk.rule.refresh_from_db()
    assert desk.rule.conditions["words"] == ["VPN", "впн"]


def test_a_new_rule_in_a_run_is_tried_with_its_team(large, run_tasks):
    desk = make_desk()
    make_incident(reporter=desk.customer, title="Не печатает принтер")
    draft = RoutingRule(name="Принтеры", order=1, conditions={"words": ["принтер"]}, team=desk.team)
    run = runs.start(draft, days=7, by=LeadFactory())

    run_tasks()

    result = runs.result_of(SimulationRun.objects.get(pk=run.pk))
    assert result is not None
    assert {row.name: (row.before, row.after) for row in result.teams} == {
        "": (1, 0),
        "Сеть": (0, 1),
    }
    finished = SimulationRun.objects.get(pk=run.pk).finished_at
    runs.run(run.pk)  # handed out again: the finished run is left as it is
    assert SimulationRun.objects.get(pk=run.pk).finished_at == finished


def test_only_managers_poll_a_run(large):
    run = runs.start(RoutingRule(name="x", tags=["x"]), days=7, by=LeadFactory())
    response = signed_in(AgentFactory()).get(reverse("automation:simulation_run", args=[run.pk]))
    assert response.status_code == 403


def test_a_failed_run_says_so_in_words_and_stops_polling(large, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(runs, "simulate", broken)
    run = runs.start(RoutingRule(name="x", tags=["x"]), days=7, by=LeadFactory())
    with pytest.raises(RuntimeError):
        runs.run(run.pk)
    run.refresh_from_db()
    assert run.status == SimulationStatus.FAILED and run.finished_at is not None
    page = signed_in(LeadFactory()).get(reverse("automation:simulation_run", args=[run.pk]))
    assert "Симуляция не удалась" in page.content.decode()
    assert "hx-get" not in page.content.decode()
