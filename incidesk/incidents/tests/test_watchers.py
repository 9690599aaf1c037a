"""Watchers: who may add whom, what a watcher sees on every path (exactly the reporter's view,
nothing internal), that they never get the reporter's verbs, and agents who follow."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, OrganisationFactory
from incidesk.core.errors import Forbidden, InvalidInput, InvalidTransition
from incidesk.incidents import actions
from incidesk.incidents.access import access_incident, visible_to
from incidesk.incidents.models import (
    MAX_WATCHERS,
    EventKind,
    Visibility,
    Watcher,
    WatcherSource,
)
from incidesk.incidents.status import Status, allowed_verbs
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification

pytestmark = pytest.mark.django_db

SECRET = "Внутренняя заметка: пароль admin123"


@pytest.fixture
def office():
    organisation = OrganisationFactory()
    reporter = CustomerFactory(organisation=organisation)
    colleague = CustomerFactory(organisation=organisation)
    return make_incident(reporter=reporter), reporter, colleague


@pytest.fixture
def watched(office):
    """An incident in work with a public reply, an internal note and an internal file, watched by
    the reporter's colleague."""
    incident, reporter, colleague = office
    agent = AgentFactory()
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    incident = actions.do_accept(incident, actor=agent)
    actions.do_add_comment(incident, actor=agent, body="Меняем картридж принтера.")
    actions.do_add_comment(incident, actor=agent, body=SECRET, visibility=Visibility.INTERNAL)
    actions.do_add_attachment(
        incident,
        actor=agent,
        upload=SimpleUploadedFile("secret.txt", b"admin123"),
        visibility=Visibility.INTERNAL,
    )
    return incident, reporter, colleague, agent


def test_a_customer_adds_only_colleagues_unless_the_organisation_allows_any_address(office):
    incident, reporter, colleague = office
    stranger = CustomerFactory()
    with pytest.raises(InvalidInput):
        actions.do_add_watcher(incident, actor=reporter, person=stranger, source="portal")
    incident.organisation.watchers_any_address = True
    incident.organisation.save()
    actions.do_add_watcher(incident, actor=reporter, person=stranger, source="portal")
    watcher = actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    again = actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    assert again.pk == watcher.pk
    assert set(Watcher.objects.values_list("person", flat=True)) == {stranger.pk, colleague.pk}
    events = incident.events.filter(kind=EventKind.WATCHER_ADDED)
    assert events.count() == 2 and not events.filter(is_public=True).exists()


def test_who_may_not_be_added_or_add(office):
    incident, reporter, colleague = office
    with pytest.raises(InvalidInput):  # the reporter hears anyway
        actions.do_add_watcher(incident, actor=reporter, person=reporter, source="portal")
    with pytest.raises(InvalidInput):  # agents follow for themselves
        actions.do_add_watcher(incident, actor=reporter, person=AgentFactory(), source="portal")
    with pytest.raises(Forbidden):  # a colleague is not the reporter
        actions.do_add_watcher(incident, actor=colleague, person=colleague, source="portal")
    agent = AgentFactory()
    with pytest.raises(Forbidden):  # nobody makes an agent follow
        actions.do_add_watcher(incident, actor=agent, person=AgentFactory(), source="follow")
    assert not Watcher.objects.exists()


def test_at_most_the_limit_and_never_on_a_closed_incident(office):
    incident, reporter, _colleague = office
    for n in range(MAX_WATCHERS):
        person = CustomerFactory(organisation=incident.organisation, email=f"p{n}@example.com")
        actions.do_add_watcher(incident, actor=reporter, person=person, source="portal")
    with pytest.raises(InvalidInput):
        actions.do_add_watcher(
            incident,
            actor=reporter,
            person=CustomerFactory(organisation=incident.organisation),
            source="portal",
        )
    closed = make_incident(Status.CLOSED, reporter=reporter)
    with pytest.raises(InvalidTransition):
        actions.do_add_watcher(
            closed,
            actor=reporter,
            person=CustomerFactory(organisation=incident.organisation),
            source="portal",
        )


def test_a_watcher_sees_the_incident_until_removed(office):
    incident, reporter, colleague = office
    assert not visible_to(colleague).filter(pk=incident.pk).exists()
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    assert access_incident(colleague, incident.number) == incident
    assert visible_to(colleague).count() == 1  # one row, however many watch it
    actions.do_remove_watcher(incident, actor=colleague, person=colleague)
    assert not visible_to(colleague).filter(pk=incident.pk).exists()
    removed = incident.events.get(kind=EventKind.WATCHER_REMOVED)
    assert removed.actor == colleague and not removed.is_public


def test_a_watcher_sees_what_the_reporter_sees_and_nothing_internal_on_every_path(watched, client):
    incident, reporter, colleague, _agent = watched
    api = Api(colleague)
    detail = api.get(f"/incidents/{incident.number}").json()
    assert detail["number"] == incident.number
    assert detail["assignee"] is None and detail["time_spent"] is None
    comments = api.get(f"/incidents/{incident.number}/comments").json()
    assert comments == Api(reporter).get(f"/incidents/{incident.number}/comments").json()
    assert [c["body"] for c in comments] == ["Меняем картридж принтера."]
    timeline = api.get(f"/incidents/{incident.number}/timeline").json()
    assert all(e["kind"] not in ("internal_note", "watcher_added") for e in timeline)
    assert api.get(f"/incidents/{incident.number}/attachments").json() == []
    listed = api.get("/incidents", {"q": "принтер"}).json()
    assert [row["number"] for row in listed["items"]] == [incident.number]
    export = api.get("/reports/export/incidents.csv")
    body = b"".join(export).decode()
    assert incident.number in body and "admin123" not in body and "Time spent" not in body

    client.force_login(colleague)
    page = client.get(reverse("portal:incident", args=[incident.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Меняем картридж принтера." in html and "admin123" not in html
    assert "secret.txt" not in html
    assert (
        client.get(reverse("portal:list"), {"q": "принтер"}).content.decode().count(incident.number)
    )


def test_a_watcher_never_gets_the_reporters_verbs(office, client):
    incident, reporter, colleague = office
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    resolved = make_incident(Status.RESOLVED, reporter=reporter)
    actions.do_add_watcher(resolved, actor=reporter, person=colleague, source="portal")
    assert allowed_verbs(resolved, colleague) == []
    with pytest.raises(Forbidden):
        actions.do_confirm(resolved, actor=colleague)
    with pytest.raises(Forbidden):
        actions.do_reopen(resolved, actor=colleague, reason="Не помогло")
    client.force_login(colleague)
    for verb, data in (("confirm", {}), ("reopen", {"reason": "Не помогло"})):
        client.post(reverse("portal:act", args=[resolved.number, verb]), data)
    closed = actions.do_close(resolved, actor=AgentFactory())
    with pytest.raises(Forbidden):
        actions.do_rate(closed, actor=colleague, rating=5, comment="")
    page = client.get(reverse("portal:incident", args=[closed.number])).content.decode()
    assert reverse("portal:act", args=[closed.number, "rate"]) not in page
    closed.refresh_from_db()
    assert (closed.status, closed.satisfaction, closed.reopen_count) == (Status.CLOSED, None, 0)


def test_a_watcher_may_reply_in_the_portal_and_leave(watched, client):
    incident, _reporter, colleague, _agent = watched
    client.force_login(colleague)
    client.post(reverse("portal:act", args=[incident.number, "reply"]), {"body": "У меня тоже."})
    assert incident.comments.filter(author=colleague, visibility=Visibility.PUBLIC).exists()
    client.post(
        reverse("portal:act", args=[incident.number, "remove-watcher"]), {"email": colleague.email}
    )
    assert not Watcher.objects.filter(person=colleague).exists()
    assert client.get(reverse("portal:incident", args=[incident.number])).status_code == 404


def test_the_portal_add_form_tells_nobody_who_has_an_account(office, client):
    incident, reporter, _colleague = office
    client.force_login(reporter)
    url = reverse("portal:act", args=[incident.number, "add-watcher"])
    existing = client.post(url, {"email": CustomerFactory().email})
    missing = client.post(url, {"email": "nobody@example.com"})
    assert existing.status_code == missing.status_code == 422
    assert not Watcher.objects.exists()


def test_an_agent_follows_and_hears_what_customers_do(office, client, run_tasks):
    incident, reporter, _colleague = office
    agent = AgentFactory()
    client.force_login(agent)
    client.post(reverse("console:act", args=[incident.number, "follow"]))
    follow = Watcher.objects.get(incident=incident)
    assert (follow.person, follow.source) == (agent, WatcherSource.FOLLOW)
    page = client.get(reverse("console:incident", args=[incident.number])).content.decode()
    assert "Unfollow" in page or "Не следить" in page
    actions.do_add_comment(incident, actor=reporter, body="Ещё не работает.")
    run_tasks()
    assert Notification.objects.filter(recipient=agent, event__kind=EventKind.PUBLIC_REPLY).exists()
    client.post(reverse("console:act", args=[incident.number, "unfollow"]))
    assert not Watcher.objects.exists()
