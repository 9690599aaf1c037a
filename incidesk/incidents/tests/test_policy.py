"""The access policy as one table: `can` for every need × role × relationship, and every field a
surface shows (API schema, list filters, export columns, timeline) declared in the access table,
so a new field cannot ship without a decision about customers."""

from typing import get_args

import pytest
from django.utils import translation

from incidesk.accounts.tests.factories import (
    AdminFactory,
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    OrganisationFactory,
)
from incidesk.analytics.exports import INCIDENT_COLUMNS, incident_columns
from incidesk.core.errors import Forbidden
from incidesk.incidents import actions
from incidesk.incidents.access import (
    CUSTOMER_FIELDS,
    PUBLIC_EVENTS,
    PUBLIC_FIELD_CHANGES,
    STAFF_FIELDS,
    STAFF_PEOPLE_FIELDS,
    Capability,
    can,
    event_is_public,
    require,
)
from incidesk.incidents.actions import EDITABLE_FIELDS
from incidesk.incidents.models import EventKind, Incident, Visibility
from incidesk.incidents.schemas import CommentOut, EventOut, IncidentFilters, IncidentOut
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

NEEDS = get_args(Capability)
# principal -> the needs it has on a customer's incident (everything else is refused).
EXPECTED = {
    "reporter": {"comment_by_mail", "link_known_error", "manage_watchers"},
    # A watcher replies by mail (verified like the reporter) and nothing more.
    "watcher": {"comment_by_mail"},
    "colleague": set(),
    "stranger": set(),
    "agent": {
        "edit",
        "comment_by_mail",
        "write_internal",
        "attach_internal",
        "manage_watchers",
        "follow",
        "log_time",
    },
    "lead": set(NEEDS) - {"link_known_error"},
    "admin": set(NEEDS) - {"link_known_error"},
    "inactive agent": set(),
    "inactive reporter": set(),
}
# Filter parameters that are not incident fields (they do not show a field's value).
NOT_FIELDS = {"created_after", "created_before", "q", "ordering", "limit", "cursor"}


@pytest.fixture
def principals():
    org = OrganisationFactory(shared_visibility=True)
    reporter = CustomerFactory(organisation=org)
    incident = make_incident(reporter=reporter)
    inactive_agent = AgentFactory(is_active=False)
    watcher = CustomerFactory(organisation=org)
    actions.do_add_watcher(incident, actor=reporter, person=watcher, source="portal")
    return incident, {
        "reporter": reporter,
        "watcher": watcher,
        "colleague": CustomerFactory(organisation=org),
        "stranger": CustomerFactory(),
        "agent": AgentFactory(),
        "lead": LeadFactory(),
        "admin": AdminFactory(),
        "inactive agent": inactive_agent,
        "inactive reporter": make_incident().reporter,
    }


def test_can_for_every_need_role_and_relationship(principals):
    incident, people = principals
    gone = people["inactive reporter"]
    incident_of = {"inactive reporter": Incident.objects.get(reporter=gone)}
    gone.is_active = False
    for who, user in people.items():
        target = incident_of.get(who, incident)
        granted = {need for need in NEEDS if can(user, need, target)}
        assert granted == EXPECTED[who], who


def test_require_refuses_with_the_needs_reason(principals):
    incident, people = principals
    require(people["lead"], "move_team", incident)
    with translation.override("en"), pytest.raises(Forbidden) as refused:
        require(people["agent"], "move_team", incident)
    with translation.override("en"):
        assert "team leads" in str(refused.value.message)
    with pytest.raises(Forbidden):
        require(people["colleague"], "comment_by_mail", incident)


def test_every_incident_field_the_api_shows_is_declared():
    assert not CUSTOMER_FIELDS & STAFF_FIELDS
    assert set(IncidentOut.model_fields) == CUSTOMER_FIELDS | STAFF_FIELDS


def test_comment_and_event_authors_are_declared():
    assert {"comment.author", "event.actor"} == STAFF_PEOPLE_FIELDS
    assert "author" in CommentOut.model_fields and "actor" in EventOut.model_fields


def test_every_list_filter_is_a_declared_field_or_not_a_field():
    filters = set(IncidentFilters.model_fields)
    assert filters - (CUSTOMER_FIELDS | STAFF_FIELDS) == NOT_FIELDS


def test_export_columns_follow_the_table():
    roots = [field.split("__")[0] for field, _label in INCIDENT_COLUMNS]
    assert set(roots) <= CUSTOMER_FIELDS | STAFF_FIELDS
    customer = [field.split("__")[0] for field, _label in incident_columns(CustomerFactory())]
    assert customer == [root for root in roots if root in CUSTOMER_FIELDS]
    assert incident_columns(AgentFactory()) == INCIDENT_COLUMNS


def test_timeline_publicity_follows_the_table():
    assert PUBLIC_FIELD_CHANGES <= CUSTOMER_FIELDS
    assert set(EDITABLE_FIELDS) | {"priority"} <= CUSTOMER_FIELDS | STAFF_FIELDS
    for kind in EventKind:
        public = event_is_public(kind, field="title", visibility=Visibility.PUBLIC)
        assert public == (kind in PUBLIC_EVENTS), kind
    assert not event_is_public(EventKind.FIELD_CHANGED, field="cause")
    assert not event_is_public(EventKind.ATTACHMENT_ADDED, visibility=Visibility.INTERNAL)


def test_the_recorded_timeline_reads_the_table():
    incident = make_incident()
    agent = AgentFactory()
    actions.do_update_incident(incident, actor=agent, title="Новый заголовок", contact_phone="+7")
    changed = {e.data["field"]: e.is_public for e in incident.events.filter(kind="field_changed")}
    assert changed == {"title": True, "contact_phone": False}


def test_a_customer_reads_every_staff_field_as_null():
    incident = make_incident()
    as_customer = Api(incident.reporter).get(f"/incidents/{incident.number}").json()
    as_agent = Api(AgentFactory()).get(f"/incidents/{incident.number}").json()
    assert {name: as_customer[name] for name in STAFF_FIELDS} == dict.fromkeys(STAFF_FIELDS)
    assert as_agent["is_major"] is False and as_agent["escalated"] is False
