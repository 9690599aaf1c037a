"""Merging a duplicate into its original, taking the merge back, splitting a comment out: what
moves, what is recorded, who is told, and what is refused."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, OrganisationFactory
from incidesk.catalog.models import Category, Service
from incidesk.core.errors import Forbidden, InvalidInput, InvalidTransition
from incidesk.incidents import actions, queries
from incidesk.incidents.access import visible_attachments, visible_comments
from incidesk.incidents.models import (
    Attachment,
    Comment,
    EventKind,
    Incident,
    IncidentLink,
    LinkKind,
    Merge,
    Visibility,
)
from incidesk.incidents.status import Status, allowed_verbs
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.models import OutgoingMail
from incidesk.notifications.models import Notification
from incidesk.sla.models import ClockState

pytestmark = pytest.mark.django_db


def _reporter(incident: Incident) -> User:
    """The reporter `make_incident` always gives."""
    assert incident.reporter is not None
    return incident.reporter


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def pair(agent):
    """One customer's two incidents about the same fault: the duplicate has a reply, a note and
    files (one on the reply, one on the incident itself)."""
    customer = CustomerFactory()
    original = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    duplicate = make_incident(Status.NEW, reporter=customer, title="Принтер опять")
    reply = actions.do_add_comment(duplicate, actor=customer, body="Горит оранжевая лампа")
    actions.do_add_attachment(
        duplicate,
        actor=customer,
        upload=SimpleUploadedFile("лампа.txt", b"photo"),
        comment=reply,
    )
    actions.do_add_attachment(
        duplicate, actor=customer, upload=SimpleUploadedFile("журнал.txt", b"log")
    )
    actions.do_add_comment(
        duplicate, actor=agent, body="Похоже на тот же принтер", visibility=Visibility.INTERNAL
    )
    return original, Incident.objects.get(pk=duplicate.pk)


def test_a_merge_moves_the_conversation_marked_from_the_duplicate(pair, agent):
    original, duplicate = pair
    actions.do_merge(duplicate, actor=agent, target=original, reason="Тот же принтер")
    moved = list(original.comments.order_by("pk"))
    assert [c.body for c in moved] == ["Горит оранжевая лампа", "Похоже на тот же принтер"]
    assert {c.moved_from_id for c in moved} == {duplicate.pk}
    assert [c.visibility for c in moved] == [Visibility.PUBLIC, Visibility.INTERNAL]
    files = Attachment.objects.filter(incident=original)
    assert sorted(f.original_name for f in files) == ["журнал.txt", "лампа.txt"]
    assert {f.moved_from_id for f in files} == {duplicate.pk}
    assert not duplicate.comments.exists() and not duplicate.attachments.exists()
    # The customer's own reply and file are theirs on the original too.
    customer = original.reporter
    assert [c.body for c in visible_comments(customer, original)] == ["Горит оранжевая лампа"]
    assert visible_attachments(customer, original).count() == 2
    # Each moved piece is on the original's timeline, marked where it came from.
    shown = original.events.filter(data__moved_from=duplicate.number)
    assert sorted(shown.values_list("kind", flat=True)) == sorted(
        [EventKind.PUBLIC_REPLY, EventKind.INTERNAL_NOTE, EventKind.ATTACHMENT_ADDED]
    )
    merged_in = original.events.get(kind=EventKind.MERGED_IN)
    assert merged_in.data == {"source": duplicate.number, "comments": 2, "attachments": 2}
    assert not merged_in.is_public


def test_the_duplicate_is_cancelled_as_merged_with_a_link_and_its_clocks_stop(pair, agent):
    original, duplicate = pair
    assert duplicate.sla_clocks.exists()
    actions.do_merge(duplicate, actor=agent, target=original)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CANCELLED
    assert duplicate.duplicate_of == original and duplicate.merged_at is not None
    assert IncidentLink.objects.filter(
        source=duplicate, target=original, kind=LinkKind.DUPLICATE_OF
    ).exists()
    assert set(duplicate.sla_clocks.values_list("state", flat=True)) <= {
        ClockState.CANCELLED,
        ClockState.MET,
    }
    assert duplicate.response_due_at is None and duplicate.resolution_due_at is None
    status = duplicate.events.filter(kind=EventKind.STATUS_CHANGED).last()
    assert status.data["merged_into"] == original.number and status.is_public
    merge = Merge.objects.get()
    assert (merge.source, merge.target, merge.actor) == (duplicate, original, agent)
    assert merge.before["status"] == Status.NEW
    assert len(merge.moved["comments"]) == 2 and len(merge.moved["attachments"]) == 2


def test_the_customer_is_told_the_new_number_once(pair, agent, run_tasks):
    original, duplicate = pair
    run_tasks()
    customer = duplicate.reporter
    before = Notification.objects.filter(recipient=customer).count()
    actions.do_merge(duplicate, actor=agent, target=original)
    run_tasks()
    assert Notification.objects.filter(recipient=customer).count() == before + 1
    (mail,) = OutgoingMail.objects.filter(recipient=customer, kind="merged")
    assert mail.incident == duplicate
    assert original.number in mail.text
    assert not OutgoingMail.objects.filter(recipient=customer, kind="cancelled").exists()


def test_another_customers_replies_move_as_internal(agent):
    """Merging two customers' reports of one outage: the target's customer never reads the
    other's words or files."""
    original = make_incident(Status.IN_PROGRESS, agent=agent)
    other = make_incident(Status.NEW)
    actions.do_add_comment(other, actor=_reporter(other), body="У нас тоже не печатает")
    actions.do_add_attachment(
        other, actor=_reporter(other), upload=SimpleUploadedFile("скрин.txt", b"x")
    )
    actions.do_merge(other, actor=agent, target=original)
    (moved,) = original.comments.all()
    assert moved.visibility == Visibility.INTERNAL
    assert not visible_comments(_reporter(original), original).exists()
    assert not visible_attachments(_reporter(original), original).exists()
    assert not original.events.filter(is_public=True, data__moved_from=other.number).exists()


def test_merge_is_refused_for_customers_itself_and_closed_targets(pair, agent):
    original, duplicate = pair
    with pytest.raises(Forbidden):
        actions.do_merge(duplicate, actor=_reporter(duplicate), target=original)
    with pytest.raises(InvalidInput):
        actions.do_merge(duplicate, actor=agent, target=duplicate)
    closed = make_incident(Status.CLOSED)
    with pytest.raises(InvalidInput) as refused:
        actions.do_merge(duplicate, actor=agent, target=closed)
    assert refused.value.fields.keys() == {"target"}
    resolved = make_incident(Status.RESOLVED)
    with pytest.raises(InvalidTransition):
        actions.do_merge(resolved, actor=agent, target=original)
    assert not Merge.objects.exists()
    assert duplicate.comments.count() == 2


def test_undo_puts_everything_back_and_the_clocks_run_again(pair, agent):
    original, duplicate = pair
    actions.do_merge(duplicate, actor=agent, target=original)
    actions.do_unmerge(duplicate, actor=agent)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.IN_PROGRESS
    assert duplicate.duplicate_of is None and duplicate.merged_at is None
    assert [c.body for c in duplicate.comments.order_by("pk")] == [
        "Горит оранжевая лампа",
        "Похоже на тот же принтер",
    ]
    assert {c.moved_from_id for c in duplicate.comments.all()} == {None}
    assert duplicate.attachments.count() == 2 and not original.comments.exists()
    assert not IncidentLink.objects.filter(source=duplicate, target=original).exists()
    clock = duplicate.sla_clocks.get(metric="resolution")
    assert clock.state == ClockState.RUNNING and clock.stopped_at is None
    assert duplicate.resolution_due_at == clock.due_at
    assert Merge.objects.get().undone_by == agent
    for incident in (duplicate, original):
        assert incident.events.filter(kind=EventKind.MERGE_UNDONE).count() == 1


def test_undo_is_refused_after_the_window(pair, agent, settings):
    settings.INCIDESK_MERGE_UNDO_MINUTES = 10
    original, duplicate = pair
    actions.do_merge(duplicate, actor=agent, target=original)
    later = timezone.now() + timedelta(minutes=11)
    with time_machine.travel(later), pytest.raises(InvalidTransition) as refused:
        actions.do_unmerge(duplicate, actor=agent)
    assert refused.value.extra["guard"] == "merge_undoable"
    assert original.comments.count() == 2


def test_undo_is_refused_once_the_target_was_merged_further(pair, agent):
    original, duplicate = pair
    actions.do_merge(duplicate, actor=agent, target=original)
    third = make_incident(Status.IN_PROGRESS, reporter=original.reporter, agent=agent)
    actions.do_merge(original, actor=agent, target=third)
    with pytest.raises(InvalidTransition):
        actions.do_unmerge(duplicate, actor=agent)
    assert third.comments.count() == 2
    assert queries.merged_into(Incident.objects.get(pk=duplicate.pk)) == third


def test_a_cancelled_incident_that_was_not_merged_cannot_be_unmerged(agent):
    cancelled = make_incident(Status.CANCELLED)
    with pytest.raises(InvalidTransition):
        actions.do_unmerge(cancelled, actor=agent)


def test_split_makes_a_linked_incident_with_the_reporter_and_classification(agent):
    category = Category.objects.filter(is_active=True).first()
    service = Service.objects.filter(is_active=True).first()
    incident = make_incident(
        Status.IN_PROGRESS, agent=agent, category=category, service=service, urgency="high"
    )
    comment = actions.do_add_comment(
        incident, actor=_reporter(incident), body="И ещё: не открывается почта"
    )
    actions.do_add_attachment(
        incident,
        actor=_reporter(incident),
        upload=SimpleUploadedFile("почта.txt", b"x"),
        comment=comment,
    )
    new = actions.do_split(incident, actor=agent, comment=comment, title="Не открывается почта")
    assert new.reporter == incident.reporter and new.organisation_id == incident.organisation_id
    assert (new.category, new.service, new.urgency, new.kind) == (
        category,
        service,
        "high",
        incident.kind,
    )
    assert new.description == "И ещё: не открывается почта"
    comment.refresh_from_db()
    assert (comment.incident, comment.moved_from) == (new, incident)
    assert Attachment.objects.get(original_name="почта.txt").incident == new
    assert IncidentLink.objects.filter(source=new, target=incident, kind=LinkKind.SPLIT_FROM)
    split = incident.events.get(kind=EventKind.SPLIT)
    assert split.data == {"comment_id": comment.pk, "into": new.number, "attachments": 1}
    assert new.events.filter(kind=EventKind.CREATED).exists()
    assert new.events.filter(kind=EventKind.PUBLIC_REPLY, data__moved_from=incident.number)
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS and not incident.comments.exists()


def test_split_refuses_customers_and_another_incidents_comment(agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    other = make_incident()
    foreign = actions.do_add_comment(other, actor=_reporter(other), body="Чужой комментарий")
    with pytest.raises(InvalidInput):
        actions.do_split(incident, actor=agent, comment=foreign, title="Чужое")
    own = actions.do_add_comment(incident, actor=_reporter(incident), body="Своё")
    with pytest.raises(Forbidden):
        actions.do_split(incident, actor=_reporter(incident), comment=own, title="Своё")
    assert Incident.objects.count() == 2
    assert Comment.objects.get(pk=own.pk).incident == incident


def test_merge_between_organisations_keeps_nothing_public(agent):
    """Same reporter account moved between organisations: still internal (the organisation's
    colleagues who see the target never saw the source)."""
    customer = CustomerFactory(organisation=OrganisationFactory())
    original = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    customer.organisation = OrganisationFactory()
    customer.save()
    duplicate = make_incident(Status.NEW, reporter=customer)
    actions.do_add_comment(duplicate, actor=customer, body="Снова")
    actions.do_merge(duplicate, actor=agent, target=original)
    assert original.comments.get().visibility == Visibility.INTERNAL


def test_undo_is_offered_exactly_while_it_is_accepted(pair, agent, settings):
    """The guard decides both the button and the action: inside the window, for staff only."""
    settings.INCIDESK_MERGE_UNDO_MINUTES = 10
    original, duplicate = pair
    duplicate = actions.do_merge(duplicate, actor=agent, target=original)
    customer = _reporter(duplicate)
    assert "unmerge" in {v.name for v in allowed_verbs(duplicate, agent)}
    assert "unmerge" not in {v.name for v in allowed_verbs(duplicate, customer)}
    with pytest.raises(Forbidden):
        actions.do_unmerge(duplicate, actor=customer)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert "unmerge" not in {v.name for v in allowed_verbs(duplicate, agent)}
    assert "unmerge" not in {v.name for v in allowed_verbs(original, agent)}


def test_two_callers_without_accounts_share_nothing(agent):
    calls = [
        actions.do_create_incident(
            actor=agent, title="Звонок", contact_phone=phone, channel="phone"
        )
        for phone in ("+7 900 000-00-01", "+7 900 000-00-02")
    ]
    actions.do_add_comment(calls[1], actor=agent, body="Перезвонили, ждут мастера")
    actions.do_merge(calls[1], actor=agent, target=calls[0])
    assert calls[0].comments.get().visibility == Visibility.INTERNAL


def test_watchers_follow_the_merge_and_come_back_with_the_undo(pair, agent):
    original, duplicate = pair
    customer = _reporter(duplicate)
    colleague = CustomerFactory(organisation=customer.organisation)
    follower = AgentFactory()
    actions.do_add_watcher(duplicate, actor=customer, person=colleague, source="portal")
    actions.do_add_watcher(duplicate, actor=follower, person=follower, source="follow")
    actions.do_merge(duplicate, actor=agent, target=original)
    moved = set(original.watchers.values_list("person", "moved_from"))
    assert moved == {(colleague.pk, duplicate.pk), (follower.pk, duplicate.pk)}  # "from INC-…"
    listed = Api(agent).get(f"/incidents/{original.number}/watchers").json()
    assert {w["moved_from"] for w in listed} == {duplicate.number}
    actions.do_unmerge(duplicate, actor=agent)
    back = set(duplicate.watchers.values_list("person", "moved_from"))
    assert back == {(colleague.pk, None), (follower.pk, None)}
    assert not original.watchers.exists()


def test_another_customers_colleague_does_not_follow_the_merge(agent):
    """Between two customers' incidents the conversation moves as internal, so only the desk's
    followers come along: the other customer's colleague would hear of a stranger's incident."""
    original = make_incident(Status.IN_PROGRESS, agent=agent)
    other = make_incident(Status.NEW)
    colleague = CustomerFactory(organisation=_reporter(other).organisation)
    follower = AgentFactory()
    actions.do_add_watcher(other, actor=_reporter(other), person=colleague, source="portal")
    actions.do_add_watcher(other, actor=follower, person=follower, source="follow")
    actions.do_merge(other, actor=agent, target=original)
    assert list(original.watchers.values_list("person", flat=True)) == [follower.pk]
    assert list(other.watchers.values_list("person", flat=True)) == [colleague.pk]
