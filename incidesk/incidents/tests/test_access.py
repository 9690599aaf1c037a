"""The access rule, at the source every surface uses."""

import pytest

from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
)
from incidesk.core.errors import Forbidden, NotFound
from incidesk.incidents import actions
from incidesk.incidents.access import (
    access_incident,
    visible_attachments,
    visible_comments,
    visible_events,
    visible_to,
)
from incidesk.incidents.search import search
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def test_customer_sees_only_their_own_incidents():
    mine, theirs = make_incident(), make_incident()
    assert list(visible_to(mine.reporter)) == [mine]
    assert access_incident(mine.reporter, mine.number) == mine
    with pytest.raises(NotFound) as not_yours:
        access_incident(mine.reporter, theirs.number)
    with pytest.raises(NotFound) as missing:
        access_incident(mine.reporter, "INC-999999")
    assert type(not_yours.value) is type(missing.value)
    assert not_yours.value.fields == missing.value.fields == {}


def test_organisation_sharing_is_opt_in():
    org = OrganisationFactory(shared_visibility=False)
    alice, bob = CustomerFactory(organisation=org), CustomerFactory(organisation=org)
    incident = make_incident(reporter=alice)
    assert not visible_to(bob).exists()
    org.shared_visibility = True
    org.save()
    bob.refresh_from_db()
    assert list(visible_to(bob)) == [incident]
    assert visible_to(CustomerFactory()).count() == 0


def test_staff_see_everything():
    make_incident(), make_incident()
    assert visible_to(AgentFactory()).count() == 2


def test_inactive_users_see_nothing():
    incident = make_incident()
    incident.reporter.is_active = False
    assert not visible_to(incident.reporter).exists()


def test_customer_may_not_edit_and_may_not_comment_on_final_incidents():
    incident = make_incident(Status.CLOSED)
    with pytest.raises(Forbidden):
        access_incident(incident.reporter, incident.number, need="edit")
    with pytest.raises(Forbidden):
        access_incident(incident.reporter, incident.number, need="comment")
    assert access_incident(AgentFactory(), incident.number, need="comment") == incident


def test_internal_notes_never_reach_the_customer():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    actions.do_add_comment(incident, actor=agent, body="Секретная заметка", visibility="internal")
    actions.do_add_comment(incident, actor=agent, body="Ответ клиенту")
    customer = incident.reporter
    assert [c.body for c in visible_comments(customer, incident)] == ["Ответ клиенту"]
    assert len(visible_comments(agent, incident)) == 2
    assert not visible_events(customer, incident).filter(kind="internal_note").exists()
    assert not visible_events(customer, incident).filter(kind="assigned").exists()
    assert visible_events(agent, incident).filter(kind="internal_note").exists()


def test_internal_notes_are_not_searchable():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    actions.do_add_comment(incident, actor=agent, body="конфиденциально", visibility="internal")
    assert not search(visible_to(agent), "конфиденциально").exists()


def test_internal_attachments_are_hidden_from_customers():
    from django.core.files.uploadedfile import SimpleUploadedFile

    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    note = actions.do_add_comment(incident, actor=agent, body="лог", visibility="internal")
    actions.do_add_attachment(
        incident, actor=agent, upload=SimpleUploadedFile("log.txt", b"x"), comment=note
    )
    actions.do_add_attachment(
        incident, actor=incident.reporter, upload=SimpleUploadedFile("photo.jpg", b"y")
    )
    assert [a.original_name for a in visible_attachments(incident.reporter, incident)] == [
        "photo.jpg"
    ]
    assert visible_attachments(agent, incident).count() == 2


def test_search_obeys_access():
    mine = make_incident(title="Сломался принтер")
    make_incident(title="Сломался принтер у соседа")
    assert list(search(visible_to(mine.reporter), "принтеры")) == [mine]
