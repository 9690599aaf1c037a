"""The search box: an exact number opens the incident from any queue; words search every
incident the agent may see, with the open queue as a filter they may keep or drop."""

import pytest
from django.urls import reverse

from incidesk.console.search import incident_number
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

QUEUES_URL = reverse("console:queues")


@pytest.mark.parametrize(
    "typed",
    [
        "INC-000506",
        "inc-000506",
        "506",
        " 000506 ",
        "инц 506",
        "ИНЦ-506",
        "inc506",
        "#506",
        "№ 506",
        "Инцидент №506",
        "INC 506",
    ],
)
def test_what_people_type_for_a_number(typed):
    assert incident_number(typed) == "INC-000506"


@pytest.mark.parametrize("typed", ["принтер 506", "INC-", "506 принтер", "", "PRB-000506"])
def test_words_are_not_a_number(typed):
    assert incident_number(typed) is None


def test_a_number_opens_the_incident_from_a_queue_that_does_not_hold_it(agent_client, colleague):
    incident = make_incident(Status.CLOSED, agent=colleague)
    short = str(int(incident.number.split("-")[1]))
    for typed in (incident.number, short, f"инц {short}", f"inc{short}"):
        response = agent_client.get(QUEUES_URL, {"queue": "mine", "q": typed})
        assert response.status_code == 302, typed
        assert response["Location"] == reverse("console:incident", args=[incident.number])


def test_a_number_nobody_has_says_so_and_searches_the_words(agent_client):
    response = agent_client.get(QUEUES_URL, {"queue": "mine", "q": "INC-999999"}, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("INC-999999" in m for m in messages)


def test_words_search_every_incident_and_the_queue_can_be_kept(agent_client, agent, colleague):
    mine = make_incident(Status.IN_PROGRESS, agent=agent, title="Принтер зажёвывает бумагу")
    theirs = make_incident(Status.IN_PROGRESS, agent=colleague, title="Принтер не печатает")
    closed = make_incident(Status.CLOSED, agent=colleague, title="Принтер сломан")
    make_incident(Status.IN_PROGRESS, agent=colleague, title="Не работает VPN")
    everywhere = agent_client.get(QUEUES_URL, {"queue": "mine", "q": "принтер"})
    found = {row.incident.number for row in everywhere.context["rows"]}
    assert found == {mine.number, theirs.number, closed.number}
    assert everywhere.context["searching"] and not everywhere.context["only_queue"]
    in_queue = agent_client.get(QUEUES_URL, {"queue": "mine", "q": "принтер", "only_queue": "1"})
    assert [row.incident.number for row in in_queue.context["rows"]] == [mine.number]
    assert "only_queue" not in in_queue.context["scope_toggle"]
    assert "only_queue=1" in everywhere.context["scope_toggle"]
