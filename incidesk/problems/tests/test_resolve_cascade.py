"""Resolving a problem resolves its open incidents through the incidents' actions: each customer
is told once, in their language, with the problem's notes."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.core.errors import InvalidInput
from incidesk.incidents import actions as incident_actions
from incidesk.incidents.models import EventKind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.models import OutgoingMail
from incidesk.notifications.models import Notification
from incidesk.problems import actions
from incidesk.problems.models import ProblemEventKind
from incidesk.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db

NOTES = "Мы заменили сертификат VPN-шлюза. Переподключитесь, пожалуйста."


@pytest.fixture
def desk():
    agent, lead = AgentFactory(), LeadFactory()
    problem = make_problem(actor=agent, root_cause="Истёк сертификат шлюза")
    ru, en = CustomerFactory(language="ru"), CustomerFactory(language="en")
    incidents = {
        "new": make_incident(Status.NEW, reporter=ru),
        "in_progress": make_incident(Status.IN_PROGRESS, reporter=en, agent=agent),
        "on_hold": incident_actions.do_hold(
            make_incident(Status.IN_PROGRESS, reporter=ru, agent=agent),
            actor=agent,
            reason=HoldReason.objects.get(code="awaiting_problem"),
        ),
        "resolved": make_incident(Status.RESOLVED, reporter=en, agent=agent),
        "cancelled": make_incident(Status.CANCELLED, reporter=en, agent=agent),
    }
    actions.do_link_incidents(problem, actor=agent, incidents=incidents.values())
    for incident in incidents.values():
        incident.refresh_from_db()
    return problem, lead, incidents


def _resolve(problem, lead, **options):
    return actions.do_resolve_problem(
        problem,
        actor=lead,
        notes=NOTES,
        resolve_incidents=True,
        cause=Cause.objects.get(code="misconfiguration"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        **options,
    )


def test_open_incidents_are_resolved_each_through_its_actions(
    desk, django_capture_on_commit_callbacks, run_tasks
):
    problem, lead, incidents = desk
    untouched = {name: incidents[name].version for name in ("resolved", "cancelled")}
    run_tasks()  # what the incidents' own histories told their customers
    told_before = set(Notification.objects.values_list("pk", flat=True))
    mailed_before = set(OutgoingMail.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        problem = _resolve(problem, lead)
    run_tasks()

    for name in ("new", "in_progress", "on_hold"):
        incident = incidents[name]
        incident.refresh_from_db()
        assert incident.status == Status.RESOLVED, name
        assert (incident.cause.code, incident.resolution_code.code) == ("misconfiguration", "fixed")
        assert incident.resolution_notes == NOTES
        assert incident.hold_reason is None
        moves = [
            (e.data["old"], e.data["new"])
            for e in incident.events.filter(kind=EventKind.STATUS_CHANGED, actor=lead)
        ]
        expected = {
            "new": [("new", "in_progress"), ("in_progress", "resolved")],
            "in_progress": [("in_progress", "resolved")],
            "on_hold": [("on_hold", "in_progress"), ("in_progress", "resolved")],
        }[name]
        assert moves == expected, name
        # One notification for the customer, about the resolution, in their language.
        told = Notification.objects.filter(
            recipient=incident.reporter, event__incident=incident
        ).exclude(pk__in=told_before)
        assert [n.event.data["new"] for n in told] == ["resolved"], name
        mails = OutgoingMail.objects.filter(recipient=incident.reporter, incident=incident).exclude(
            pk__in=mailed_before
        )
        assert [(m.kind, m.language) for m in mails] == [
            ("resolved", incident.reporter.language)
        ], name
        assert "Переподключитесь" in mails[0].text
    new = incidents["new"]
    assert new.assignee == lead  # nobody had it: the lead who resolved it took it
    for name, version in untouched.items():
        incidents[name].refresh_from_db()
        assert incidents[name].version == version, name
    event = problem.events.get(kind=ProblemEventKind.STATUS_CHANGED)
    assert sorted(event.data["resolved_incidents"]) == sorted(
        incidents[name].number for name in ("new", "in_progress", "on_hold")
    )
    assert problem.resolution_notes == NOTES


def test_without_the_cascade_the_incidents_stay_open(desk):
    problem, lead, incidents = desk
    actions.do_resolve_problem(problem, actor=lead)
    incidents["in_progress"].refresh_from_db()
    assert incidents["in_progress"].status == Status.IN_PROGRESS


@pytest.mark.parametrize("missing", ["notes", "cause", "resolution_code"])
def test_the_cascade_needs_notes_cause_and_code_and_writes_nothing_without(desk, missing):
    problem, lead, incidents = desk
    options = {
        "notes": NOTES,
        "cause": Cause.objects.get(code="misconfiguration"),
        "resolution_code": ResolutionCode.objects.get(code="fixed"),
        missing: "" if missing == "notes" else None,
    }
    with pytest.raises(InvalidInput) as refused:
        actions.do_resolve_problem(problem, actor=lead, resolve_incidents=True, **options)
    assert missing in refused.value.fields
    problem.refresh_from_db()
    incidents["new"].refresh_from_db()
    assert (problem.status, incidents["new"].status) == ("open", Status.NEW)
