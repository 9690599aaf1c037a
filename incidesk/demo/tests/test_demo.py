"""`incidesk demo`: a desk whose bulk-loaded history keeps the invariants the actions keep."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidesk.accounts.models import Organisation, Role, Team, User
from incidesk.catalog.models import Cause, PriorityRule
from incidesk.incidents import actions
from incidesk.incidents.models import (
    Channel,
    Comment,
    EventKind,
    Incident,
    Kind,
    NumberCounter,
    SearchDocument,
)
from incidesk.incidents.search import search
from incidesk.incidents.status import Status

pytestmark = pytest.mark.django_db

COUNT = 200


@pytest.fixture
def demo() -> str:
    out = io.StringIO()
    call_command("demo", "--incidents", str(COUNT), "--seed", "3", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_people_teams_and_logins(demo):
    assert Team.objects.count() == 3
    assert all(team.lead and team.members.count() >= 4 for team in Team.objects.all())
    assert User.objects.filter(role=Role.CUSTOMER).count() == 50
    assert Organisation.objects.count() == 5
    assert Organisation.objects.filter(shared_visibility=True).count() == 1
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_superuser and admin.check_password("demo-admin")
    assert "admin@example.com" in demo and "demo-admin" in demo


def test_incidents_cover_every_status_kind_channel_and_cause(demo):
    incidents = Incident.objects.all()
    assert incidents.count() == SearchDocument.objects.count() == COUNT
    assert set(incidents.values_list("status", flat=True)) == set(Status.values)
    assert set(incidents.values_list("kind", flat=True)) == set(Kind.values)
    assert set(incidents.values_list("channel", flat=True)) == set(Channel.values)
    assert len(set(incidents.values_list("priority", flat=True))) >= 4
    used = {
        incident.cause.root_code
        for incident in incidents.filter(status__in=[Status.RESOLVED, Status.CLOSED])
    }
    assert used == set(Cause.objects.filter(parent=None).values_list("code", flat=True))
    assert len(used) == 8


def test_every_incident_keeps_the_invariants(demo):
    matrix = {(r.impact, r.urgency): r.priority for r in PriorityRule.objects.all()}
    now = timezone.now()
    for incident in Incident.objects.prefetch_related("events", "comments"):
        events = list(incident.events.all())
        assert events[0].kind == EventKind.CREATED and events[0].at == incident.created_at
        times = [event.at for event in events]
        assert times == sorted(times) and times[-1] == incident.updated_at <= now
        statuses = [e.data["new"] for e in events if e.kind == EventKind.STATUS_CHANGED]
        assert (statuses or [Status.NEW])[-1] == incident.status
        assert incident.priority == matrix[(incident.impact, incident.urgency)] or (
            incident.priority_overridden
            and any(e.kind == EventKind.PRIORITY_OVERRIDDEN for e in events)
        )
        assert (incident.hold_reason_id is not None) == (incident.status == Status.ON_HOLD)
        comment_ids = {comment.pk for comment in incident.comments.all()}
        assert {e.data["comment_id"] for e in events if "comment_id" in e.data} == comment_ids

        if incident.status == Status.NEW:
            assert incident.assignee is None and incident.first_response_at is None
        else:
            assert incident.first_response_at is None or (
                incident.created_at < incident.first_response_at
            )
        if incident.status in (Status.RESOLVED, Status.CLOSED):
            assert incident.cause and incident.resolution_code and incident.resolution_notes
            assert incident.created_at < incident.first_response_at < incident.resolved_at
            assert incident.assignee.is_desk_staff and incident.team
        if incident.status == Status.CLOSED:
            assert incident.resolved_at < incident.closed_at <= now
        if incident.status == Status.CANCELLED:
            assert incident.cancel_reason and incident.created_at < incident.closed_at <= now


def test_numbers_continue_after_the_demo(demo):
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert numbers[0] == "INC-000001" and numbers[-1] == f"INC-{COUNT:06d}"
    assert NumberCounter.objects.get(prefix="INC").last == COUNT

    customer = User.objects.filter(role=Role.CUSTOMER).first()
    incident = actions.do_create_incident(actor=customer, title="Не работает сканер")

    assert incident.number == f"INC-{COUNT + 1:06d}"


def test_search_finds_russian_word_forms_and_numbers(demo):
    found = search(Incident.objects.all(), "принтеры")
    assert found.exists()
    for incident in found:
        text = " ".join([incident.title, incident.description]).lower()
        public = Comment.objects.filter(incident=incident, visibility="public")
        assert "принтер" in text or any("принтер" in c.body.lower() for c in public)

    incident = Incident.objects.order_by("?").first()
    assert list(search(Incident.objects.all(), incident.number)) == [incident]


def test_a_second_run_refuses(demo):
    with pytest.raises(CommandError, match="уже загружены"):
        call_command("demo", "--incidents", "1", stdout=io.StringIO(), stderr=io.StringIO())

    assert Incident.objects.count() == COUNT


def test_if_empty_makes_a_second_run_a_no_op(demo):
    out = io.StringIO()
    call_command("demo", "--incidents", "1", "--if-empty", stdout=out, stderr=io.StringIO())
    assert "уже загружены" in out.getvalue()
    assert Incident.objects.count() == COUNT
