"""The macro lists cost the same at one macro and at ten (no query per row): the console's
list, the workspace picker and the API list."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incidesk.accounts.tests.factories import TeamFactory
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident
from incidesk.macros.models import Macro, Scope

pytestmark = pytest.mark.django_db


def _grow(lead, count, start):
    for i in range(start, start + count):
        team = TeamFactory(code=f"team-{i}", name=f"Группа {i}", lead=lead)
        Macro.objects.create(name=f"Макрос {i}", scope=Scope.TEAM, for_team=team, reply_ru="Да")
        Macro.objects.create(name=f"Личный {i}", scope=Scope.PERSONAL, owner=lead, reply_ru="Да")


def _count(client, path, params=None):
    client.get(path, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_macro_lists_cost_the_same_at_any_length(lead, customer):
    incident = make_incident(Status.IN_PROGRESS, reporter=customer)
    client = Client()
    client.force_login(lead)
    api = Api(lead).client
    lists = {
        "console list": (client, "/console/macros/", None),
        "picker": (client, f"/console/macros/for/{incident.number}/", {"q": "макрос"}),
        "API": (api, "/api/v1/macros", None),
    }
    _grow(lead, 1, 1)
    one = {name: _count(*call)[0] for name, call in lists.items()}
    _grow(lead, 9, 2)
    for name, call in lists.items():
        ten, shown = _count(*call)
        assert "Макрос 10" in shown, name
        assert ten == one[name], f"{name}: {one[name]} queries with one macro, {ten} with ten"
