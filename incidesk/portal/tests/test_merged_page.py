"""A merged incident on the customer's page: it says where the work continues, and the
customer's own words are found on the incident it was merged into."""

import pytest
from django.urls import reverse

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _reporter(incident: Incident) -> User:
    """The reporter `make_incident` always gives."""
    assert incident.reporter is not None
    return incident.reporter


def test_the_merged_incident_names_the_one_the_work_continues_in(client):
    agent = AgentFactory()
    original = make_incident(Status.IN_PROGRESS, agent=agent)
    duplicate = make_incident(reporter=original.reporter)
    actions.do_add_comment(duplicate, actor=_reporter(duplicate), body="Горит оранжевая лампа")
    actions.do_merge(duplicate, actor=agent, target=original)
    client.force_login(original.reporter)
    merged = client.get(reverse("portal:incident", args=[duplicate.number])).content.decode()
    assert f"Объединено с обращением {original.number}: работа продолжается там" in merged
    assert "Горит оранжевая лампа" not in merged
    target = client.get(reverse("portal:incident", args=[original.number])).content.decode()
    assert "Горит оранжевая лампа" in target
