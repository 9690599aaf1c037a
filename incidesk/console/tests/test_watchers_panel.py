"""The workspace's watchers panel: an agent adds a customer's colleague (any address only where
the organisation allows it) and removes a watcher, through the same action as the portal and the
API, each change on the timeline."""

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import CustomerFactory, OrganisationFactory
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Watcher, WatcherSource
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(agent):
    agent.language = "en"  # the English wording (the Russian is the catalogue's)
    agent.save()
    organisation = OrganisationFactory()
    reporter = CustomerFactory(organisation=organisation, email="ivan@example.ru")
    colleague = CustomerFactory(
        organisation=organisation, email="olga@example.ru", full_name="Ольга Смирнова"
    )
    return make_incident(reporter=reporter), colleague


def _act(client, incident, verb, data):
    return client.post(reverse("console:act", args=[incident.number, verb]), data)


def test_an_agent_adds_a_colleague_and_removes_them(agent_client, office):
    incident, colleague = office
    page = agent_client.get(reverse("console:incident", args=[incident.number]))
    assert 'data-testid="add-watcher"' in page.content.decode()
    response = _act(agent_client, incident, "add-watcher", {"add-watcher-email": "OLGA@example.ru"})
    assert response.status_code == 302
    watcher = Watcher.objects.get(incident=incident)
    assert (watcher.person, watcher.source) == (colleague, WatcherSource.DESK)
    page = agent_client.get(reverse("console:incident", args=[incident.number])).content.decode()
    assert "olga@example.ru watches the incident (added by the desk)" in page
    response = _act(
        agent_client, incident, "remove-watcher", {"remove-watcher-watcher": watcher.pk}
    )
    assert response.status_code == 302
    assert not Watcher.objects.exists()
    kinds = list(incident.events.filter(kind__startswith="watcher").values_list("kind", flat=True))
    assert kinds == [EventKind.WATCHER_ADDED, EventKind.WATCHER_REMOVED]
    page = agent_client.get(reverse("console:incident", args=[incident.number])).content.decode()
    assert "olga@example.ru no longer watches the incident" in page


def test_an_address_outside_the_policy_is_refused_next_to_the_field(agent_client, office):
    incident, _colleague = office
    response = _act(
        agent_client, incident, "add-watcher", {"add-watcher-email": "stranger@example.com"}
    )
    assert response.status_code == 422
    assert "Only colleagues from your organisation can be added." in response.content.decode()
    assert not Watcher.objects.exists()
    incident.organisation.watchers_any_address = True
    incident.organisation.save()
    response = _act(
        agent_client, incident, "add-watcher", {"add-watcher-email": "stranger@example.com"}
    )
    assert response.status_code == 302
    assert Watcher.objects.get().person.email == "stranger@example.com"


def test_removing_a_follower_and_a_row_that_is_gone(agent_client, agent, office):
    incident, _colleague = office
    follower = actions.do_add_watcher(incident, actor=agent, person=agent, source="follow")
    response = _act(
        agent_client, incident, "remove-watcher", {"remove-watcher-watcher": follower.pk}
    )
    assert response.status_code == 302 and not Watcher.objects.exists()
    response = _act(
        agent_client, incident, "remove-watcher", {"remove-watcher-watcher": follower.pk}
    )
    assert response.status_code == 422
