"""Time spent: recorded with a reply, a note or an action in the console and the API, corrected
by its author for a day, totalled on the incident, per agent and per organisation in the
reports, and a column of the incident export."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.core.errors import Forbidden, InvalidInput
from incidesk.incidents import actions
from incidesk.incidents.models import TimeEntry
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

NOW = "2026-11-10 12:00:00+03:00"


@pytest.fixture
def desk():
    with time_machine.travel(NOW, tick=False):
        customer = CustomerFactory(organisation__name="ООО Альфа")
        incident = make_incident(reporter=customer)
        agent = AgentFactory(email="anna@desk.example", full_name="Анна Сидорова", language="en")
        yield incident, customer, agent


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_minutes_with_a_reply_a_note_and_an_action_in_the_console(desk, client):
    incident, _customer, agent = desk
    client.force_login(agent)
    with time_machine.travel(NOW, tick=False):
        client.post(
            reverse("console:comment", args=[incident.number]),
            {
                "comment-body": "Смотрю.",
                "comment-visibility": "public",
                "comment-version": 1,
                "comment-minutes": 15,
            },
        )
        incident.refresh_from_db()
        client.post(
            reverse("console:act", args=[incident.number, "accept"]),
            {"accept-version": incident.version, "accept-minutes": 5},
        )
        client.post(
            reverse("console:comment", args=[incident.number]),
            {
                "comment-body": "Без времени.",
                "comment-visibility": "internal",
                "comment-version": incident.version + 1,
            },
        )
        page = client.get(reverse("console:incident", args=[incident.number])).content.decode()
    entries = list(TimeEntry.objects.values_list("what", "minutes", "author"))
    assert entries == [("reply", 15, agent.pk), ("accept", 5, agent.pk)]
    assert TimeEntry.objects.filter(what="reply", comment__body="Смотрю.").exists()
    assert "Time spent: 20 minutes" in page


def test_the_author_corrects_an_entry_for_a_day_and_nobody_else_ever(desk, client):
    incident, _customer, agent = desk
    with time_machine.travel(NOW, tick=False):
        entry = actions.do_log_time(incident, actor=agent, minutes=30, what="note")
    with time_machine.travel("2026-11-11 11:00:00+03:00", tick=False):
        client.force_login(agent)
        client.post(
            reverse("console:act", args=[incident.number, "time"]),
            {"time-entry": entry.pk, "time-minutes": 45},
        )
        entry.refresh_from_db()
        assert entry.minutes == 45 and entry.edited_at == timezone.now()
        with pytest.raises(Forbidden):
            actions.do_edit_time(entry, actor=AgentFactory(), minutes=5)
    with time_machine.travel("2026-11-11 12:00:01+03:00", tick=False), pytest.raises(Forbidden):
        actions.do_edit_time(entry, actor=agent, minutes=5)
    with pytest.raises(InvalidInput):
        actions.do_log_time(incident, actor=agent, minutes=0)
    with pytest.raises(Forbidden):
        actions.do_log_time(incident, actor=incident.reporter, minutes=5)
    assert TimeEntry.objects.get().minutes == 45


def test_the_api_records_minutes_with_a_comment_and_shows_the_total_to_the_desk(desk):
    incident, customer, agent = desk
    response = Api(agent).post(
        f"/incidents/{incident.number}/comments", {"body": "Проверил.", "minutes": 25}
    )
    assert response.status_code == 201, response.content
    assert Api(agent).get(f"/incidents/{incident.number}").json()["time_spent"] == 25
    listed = Api(agent).get("/incidents").json()["items"]
    assert [row["time_spent"] for row in listed] == [25]
    assert Api(customer).get(f"/incidents/{incident.number}").json()["time_spent"] is None
    refused = Api(customer).post(
        f"/incidents/{incident.number}/comments", {"body": "Спасибо.", "minutes": 5}
    )
    assert refused.status_code == 403
    assert incident.comments.count() == 1  # the refusal left nothing behind


def test_time_spent_per_agent_and_organisation_in_the_report_and_the_export(desk):
    incident, _customer, agent = desk
    other = AgentFactory(email="boris@desk.example", full_name="Борис")
    second = make_incident(reporter=CustomerFactory(organisation__name="ООО Бета"))
    with time_machine.travel(NOW, tick=False):
        actions.do_log_time(incident, actor=agent, minutes=30, what="reply")
        actions.do_log_time(incident, actor=agent, minutes=15, what="accept")
        actions.do_log_time(second, actor=agent, minutes=10, what="note")
        actions.do_log_time(second, actor=other, minutes=20, what="note")
    with time_machine.travel("2026-11-20 12:00:00+03:00", tick=False):
        actions.do_log_time(incident, actor=other, minutes=99, what="note")  # out of the period
    period = {"date_from": "2026-11-09", "date_to": "2026-11-13"}
    with time_machine.travel("2026-11-14 12:00:00+03:00", tick=False):
        body = Api(agent).get("/reports/summary", period).json()
        by_agent = Api(agent).get("/reports/export/time_agents.csv", period)
        exported = Api(agent).get("/reports/export/incidents.csv", period)
    assert body["time_spent"]["by_agent"] == [
        {"agent": agent.email, "name": "Анна Сидорова", "minutes": 55, "incidents": 2},
        {"agent": other.email, "name": "Борис", "minutes": 20, "incidents": 1},
    ]
    assert body["time_spent"]["by_organisation"] == [
        {"organisation": "ООО Альфа", "minutes": 45, "incidents": 1},
        {"organisation": "ООО Бета", "minutes": 30, "incidents": 1},
    ]
    assert _csv(by_agent)[1:] == [
        ["Анна Сидорова", "55", "0.92", "2"],
        ["Борис", "20", "0.33", "1"],
    ]
    rows = _csv(exported)
    column = rows[0].index("Time spent, min")
    assert {row[0]: row[column] for row in rows[1:]} == {
        incident.number: "144",
        second.number: "30",
    }


def test_period_totals_ignore_entries_on_incidents_the_filter_leaves_out(desk):
    incident, _customer, agent = desk
    with time_machine.travel(NOW, tick=False):
        actions.do_log_time(incident, actor=agent, minutes=30, what="reply")
    with time_machine.travel(NOW, tick=False):
        body = (
            Api(agent)
            .get(
                "/reports/summary",
                {"date_from": "2026-11-09", "date_to": "2026-11-13", "kind": "service_request"},
            )
            .json()
        )
    assert body["time_spent"] == {"by_agent": [], "by_organisation": []}


def test_a_merge_moves_the_time_counted_once_billed_where_spent_and_the_undo_restores(desk):
    """The duplicate's entries move with its conversation, marked from it: the target's total
    counts them, the duplicate's no longer does, the per-agent report and the export count each
    minute once, and the organisation billed is still the duplicate's. The undo puts them back."""
    incident, _customer, agent = desk
    duplicate = make_incident(reporter=CustomerFactory(organisation__name="ООО Бета"))
    period = {"date_from": "2026-11-09", "date_to": "2026-11-13"}
    with time_machine.travel(NOW, tick=False):
        actions.do_log_time(incident, actor=agent, minutes=30, what="reply")
        entry = actions.do_log_time(duplicate, actor=agent, minutes=20, what="note")
        actions.do_merge(duplicate, actor=agent, target=incident)
        entry.refresh_from_db()
        assert (entry.incident_id, entry.moved_from_id) == (incident.pk, duplicate.pk)
        api = Api(agent)
        assert api.get(f"/incidents/{incident.number}").json()["time_spent"] == 50
        assert api.get(f"/incidents/{duplicate.number}").json()["time_spent"] == 0
        body = api.get("/reports/summary", period).json()
        exported = _csv(api.get("/reports/export/incidents.csv", period))
        actions.do_unmerge(duplicate, actor=agent)
        undone = api.get("/reports/summary", period).json()
    assert body["time_spent"]["by_agent"] == [
        {"agent": agent.email, "name": "Анна Сидорова", "minutes": 50, "incidents": 1}
    ]
    assert body["time_spent"]["by_organisation"] == [
        {"organisation": "ООО Альфа", "minutes": 30, "incidents": 1},
        {"organisation": "ООО Бета", "minutes": 20, "incidents": 1},
    ]
    column = exported[0].index("Time spent, min")
    assert {row[0]: row[column] for row in exported[1:]} == {
        incident.number: "50",
        duplicate.number: "0",
    }
    entry.refresh_from_db()
    assert (entry.incident_id, entry.moved_from_id) == (duplicate.pk, None)
    assert undone["time_spent"]["by_agent"][0]["incidents"] == 2
    assert undone["time_spent"]["by_organisation"] == body["time_spent"]["by_organisation"]
    assert TimeEntry.objects.filter(incident=incident).count() == 1
