"""`incident_out` builds IncidentOut's dict by hand for a registration's 201: it must say exactly
what the schema says, to every viewer, in the same order (the rendered bytes are compared)."""

import pytest
import time_machine
from django.test import RequestFactory

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from incidesk.catalog.models import Category
from incidesk.core.apijson import RENDERER
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import make_field
from incidesk.incidents import actions, queries
from incidesk.incidents.models import Incident
from incidesk.incidents.schemas import IncidentOut, incident_out
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _schema_bytes(incident: Incident, viewer: User) -> bytes:
    request = RequestFactory().get("/")
    request.auth = viewer  # type: ignore[attr-defined]  # as ninja sets it
    dumped = IncidentOut.from_orm(incident, context={"request": request}).model_dump()
    return RENDERER.render(request, dumped, response_status=200)


def _assert_same(incident: Incident, viewer: User) -> None:
    request = RequestFactory().get("/")
    assert RENDERER.render(request, incident_out(incident, viewer), response_status=200) == (
        _schema_bytes(incident, viewer)
    )


@pytest.fixture
def frozen():
    with time_machine.travel("2026-03-03 11:17:05.123456+03:00", tick=False):
        yield


@pytest.mark.parametrize("status", [Status.NEW, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED])
def test_every_viewer_gets_what_the_schema_gives(frozen, status):
    make_field("serial", customer_visible=True, customer_fillable=True)
    make_field("cost", FieldType.NUMBER)
    customer, agent = CustomerFactory(), AgentFactory()
    incident = make_incident(
        status,
        reporter=customer,
        agent=agent,
        category=Category.objects.get(code="printer"),
        contact_phone="+7 900 000-00-00",
        custom={"serial": "SN-1"},
    )
    if status == Status.ON_HOLD:
        incident = actions.do_set_custom_fields(incident, actor=agent, values={"cost": 12.5})
    for viewer in (customer, agent):
        _assert_same(incident, viewer)
        _assert_same(queries.reloaded(viewer, incident), viewer)


def test_a_registration_by_staff_on_behalf_answers_as_the_schema(frozen):
    agent, customer, team = AgentFactory(), CustomerFactory(), TeamFactory()
    incident = actions.do_create_incident(
        actor=agent, title="1С не запускается", reporter=customer, team=team
    )
    _assert_same(incident, agent)
    _assert_same(queries.reloaded(customer, incident), customer)
