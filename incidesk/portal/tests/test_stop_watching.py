"""A watcher stops the incident's mail from the link in it, without signing in: GET only asks
(mail scanners fetch links), POST takes them off as themselves; a forged, foreign or stale link
is the same 404, and every request counts as a tracking lookup."""

import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, OrganisationFactory
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Watcher
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.models import OutgoingMail
from incidesk.portal.stop import stop_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def watched():
    organisation = OrganisationFactory()
    reporter = CustomerFactory(organisation=organisation)
    colleague = CustomerFactory(organisation=organisation, language="en")
    incident = make_incident(reporter=reporter)
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    return incident, reporter, colleague


def _url(token: str) -> str:
    return reverse("portal:stop_watching", args=[token])


def test_the_link_in_a_watchers_mail_asks_then_stops_their_mail(watched, run_tasks):
    incident, reporter, colleague = watched
    run_tasks()
    actions.do_accept(incident, actor=AgentFactory())
    run_tasks()
    mail = OutgoingMail.objects.filter(recipient=colleague, kind="in_progress").get()
    (link,) = re.findall(r"https?://\S+/stop/[^/\s]+/", mail.text)
    assert link in mail.html
    assert not any("/stop/" in m.text for m in OutgoingMail.objects.filter(recipient=reporter))
    path = link.split("://", 1)[1].split("/", 1)[1]
    visitor = Client()
    page = visitor.get("/" + path)
    assert page.status_code == 200 and incident.number in page.content.decode()
    assert Watcher.objects.filter(person=colleague).exists()  # a GET changes nothing
    done = visitor.post("/" + path)
    assert done.status_code == 200 and "Вы больше не получаете новости" in done.content.decode()
    assert not Watcher.objects.exists()
    event = incident.events.get(kind=EventKind.WATCHER_REMOVED)
    assert event.actor == colleague
    assert visitor.post("/" + path).status_code == 404  # used: they no longer watch


def test_forged_foreign_and_unknown_links_are_the_same_404(watched):
    incident, reporter, colleague = watched
    other = make_incident(reporter=reporter)
    forged = signing.dumps([incident.pk, colleague.pk], salt="another-salt")
    for token in (
        forged,
        stop_token(other.pk, colleague.pk),
        stop_token(incident.pk, reporter.pk),
        "x",
    ):
        assert Client().post(_url(token)).status_code == 404
    assert Watcher.objects.filter(person=colleague).exists()


def test_every_request_counts_as_a_tracking_lookup(watched, settings):
    incident, _reporter, colleague = watched
    settings.INCIDESK_RATE_TRACK_IP = "2/m"
    client = Client()
    assert client.get(_url("guess-1")).status_code == 404
    assert client.get(_url("guess-2")).status_code == 404
    assert client.post(_url(stop_token(incident.pk, colleague.pk))).status_code == 429
    assert Watcher.objects.filter(person=colleague).exists()
