"""Trust at the edge: a `From:` proves nothing. A reply acts as its author only when it carries
something the desk sent that person (our Message-ID, their tokened reply address); one found by
the subject tag or a number-shaped id alone is kept for agents, unverified, and changes nothing.
Spoofed and ambiguous senders are refused; so is a DMARC failure our own MTA reports."""

import uuid

import pytest
from django.urls import reverse

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.incidents.access import visible_comments, visible_events
from incidesk.incidents.models import EventKind, Incident, IncidentLink, LinkKind, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.inbound import receive
from incidesk.mail.models import Outcome, OutgoingMail
from incidesk.mail.outbound import queue_mail
from incidesk.mail.tests.conftest import DESK
from incidesk.mail.trust import NUMBER_SHAPED_ID, reply_address
from incidesk.notifications.models import Notification

pytestmark = pytest.mark.django_db

IVAN = "Иван Петров <ivan@example.ru>"


def _mail(
    *,
    sender: str = IVAN,
    subject: str = "Re: printer",
    to: str = DESK,
    body: str = "Модель HP LaserJet 400.",
    headers: tuple[str, ...] = (),
) -> bytes:
    """A plain reply as a mail client sends it; `headers` are added as they are."""
    lines = [
        *([f"From: {sender}"] if sender else []),
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: <{uuid.uuid4().hex}@example.ru>",
        *headers,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        body,
    ]
    return "\r\n".join(lines).encode()


@pytest.fixture
def on_hold(ivan):
    """Ivan's incident, waiting for his answer to an information request."""
    return make_incident(Status.ON_HOLD, reporter=ivan)


def _sent(incident: Incident, person: User) -> OutgoingMail:
    """Our real mail to `person` about the incident's latest event."""
    event = incident.events.order_by("-pk").first()
    if person.is_desk_staff:
        event = incident.events.get(kind=EventKind.CREATED)
    (mail,) = queue_mail(event, person)
    return mail


# --- the sender -----------------------------------------------------------------------------


def test_a_spoofed_from_with_an_encoded_line_break_is_refused_not_read_as_the_reporter(on_hold):
    raw = _mail(
        sender="=?utf-8?q?=0D=0Aivan@example.ru?= <mallory@evil.example>",
        subject=f"Re: [{on_hold.number}] printer",
        headers=(f"References: <{on_hold.number}@localhost>",),
    )
    message = receive(raw, source="imap")
    assert message.outcome == Outcome.REFUSED
    assert "From" in message.reason and "mallory@evil.example" in message.reason
    assert message.sender == ""
    assert not on_hold.comments.filter(body__contains="HP LaserJet").exists()
    assert not User.objects.filter(email__contains="mallory").exists()
    on_hold.refresh_from_db()
    assert on_hold.status == Status.ON_HOLD


@pytest.mark.parametrize(
    "sender",
    [
        "ivan@example.ru <mallory@evil.example>",
        "mallory@evil.example, ivan@example.ru",
        "Undisclosed recipients:;",
        "not an address at all",
        'Anna <anna@example.ru>, "x" <',
    ],
)
def test_a_from_that_is_not_exactly_one_address_is_refused_and_kept(sender, on_hold):
    raw = _mail(sender=sender, subject=f"Re: [{on_hold.number}] printer")
    message = receive(raw, source="imap")
    assert message.outcome == Outcome.REFUSED
    assert message.reason.startswith("В заголовке From не указан ровно один корректный адрес")
    assert bytes(message.raw) == raw
    assert not on_hold.comments.filter(body__contains="HP LaserJet").exists()


def test_two_from_headers_are_refused(on_hold):
    raw = _mail(headers=("From: mallory@evil.example",), subject=f"[{on_hold.number}]")
    assert receive(raw, source="imap").outcome == Outcome.REFUSED


def test_the_address_is_the_addr_spec_never_the_display_name(on_hold):
    raw = _mail(sender='"ivan@example.ru" <mallory@evil.example>', subject=f"[{on_hold.number}]")
    message = receive(raw, source="imap")
    assert (message.outcome, message.sender) == (Outcome.REFUSED, "mallory@evil.example")
    assert "не заявитель" in message.reason


# --- unverified replies ---------------------------------------------------------------------


def test_a_subject_tag_reply_is_kept_unverified_for_agents_and_changes_nothing(
    on_hold, ivan, client, django_capture_on_commit_callbacks, run_tasks
):
    run_tasks()  # the mails the incident's history made
    before = Incident.objects.get(pk=on_hold.pk)
    raw = _mail(subject=f"Re: [{on_hold.number}] printer")
    with django_capture_on_commit_callbacks(execute=True):
        message = receive(raw, source="imap")
    run_tasks()
    assert message.outcome == Outcome.COMMENT
    assert message.reason.startswith("Не подтверждено")
    comment = message.comment
    assert (comment.author, comment.verified, comment.visibility) == (
        ivan,
        False,
        Visibility.INTERNAL,
    )
    after = Incident.objects.get(pk=on_hold.pk)
    assert (after.status, after.hold_reason, after.answer_by) == (
        Status.ON_HOLD,
        before.hold_reason,
        before.answer_by,
    )
    # The customer never sees it as theirs, and hears nothing of it.
    assert not visible_comments(ivan, on_hold).filter(pk=comment.pk).exists()
    assert not visible_events(ivan, on_hold).filter(data__comment_id=comment.pk).exists()
    assert not Notification.objects.filter(
        recipient=ivan, event__data__comment_id=comment.pk
    ).exists()
    assert not OutgoingMail.objects.filter(
        recipient=ivan, created_at__gte=message.received_at
    ).exists()
    client.force_login(ivan)
    api = client.get(f"/api/v1/incidents/{on_hold.number}/comments").json()
    assert "HP LaserJet" not in str(api)
    portal = client.get(reverse("portal:incident", args=[on_hold.number]))
    assert "HP LaserJet" not in portal.content.decode()
    # An agent reads it, marked, with the address it claims to come from.
    client.force_login(AgentFactory())
    page = client.get(reverse("console:incident", args=[on_hold.number])).content.decode()
    assert "Не подтверждено" in page and "ivan@example.ru" in page
    assert "Модель HP LaserJet 400." in page
    listed = client.get(f"/api/v1/incidents/{on_hold.number}/comments").json()
    assert [c["verified"] for c in listed if c["id"] == comment.pk] == [False]


def test_a_forged_reference_to_the_root_id_is_unverified(on_hold):
    raw = _mail(
        headers=(
            f"In-Reply-To: <{on_hold.number}@localhost>",
            f"References: <{on_hold.number}@localhost> <{on_hold.number}.1.reply.1@localhost>",
        )
    )
    message = receive(raw, source="imap")
    assert (message.outcome, message.incident) == (Outcome.COMMENT, on_hold)
    assert message.comment.verified is False
    on_hold.refresh_from_db()
    assert on_hold.status == Status.ON_HOLD


def test_an_unverified_reopen_keyword_reopens_nothing(ivan):
    incident = make_incident(Status.RESOLVED, reporter=ivan)
    raw = _mail(subject=f"Re: [{incident.number}]", body="#reopen\nСнова не печатает.")
    message = receive(raw, source="imap")
    assert message.comment.verified is False
    incident.refresh_from_db()
    assert (incident.status, incident.reopen_count) == (Status.RESOLVED, 0)


def test_a_spoofed_agent_reply_reaches_no_customer_and_is_no_first_response(
    ivan, django_capture_on_commit_callbacks, run_tasks
):
    agent = AgentFactory(email="agent@desk.example")
    incident = make_incident(Status.NEW, reporter=ivan)
    raw = _mail(sender=f"Agent <{agent.email}>", subject=f"[{incident.number}]", body="Всё ок")
    with django_capture_on_commit_callbacks(execute=True):
        message = receive(raw, source="imap")
    run_tasks()
    assert message.comment.verified is False
    incident.refresh_from_db()
    assert incident.first_response_at is None
    assert not OutgoingMail.objects.filter(recipient=ivan, kind="reply").exists()


def test_a_reply_with_only_files_is_kept_unverified_with_internal_files(on_hold):
    raw = (
        "From: ivan@example.ru\r\nTo: support@localhost\r\n"
        f"Subject: [{on_hold.number}]\r\nMessage-ID: <files@example.ru>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: application/pdf; name="report.pdf"\r\n'
        "Content-Disposition: attachment; filename=report.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
    ).encode()
    message = receive(raw, source="imap")
    assert message.comment.verified is False
    (attachment,) = on_hold.attachments.filter(original_name="report.pdf")
    assert (attachment.comment, attachment.visibility) == (message.comment, Visibility.INTERNAL)


# --- verified replies -----------------------------------------------------------------------


def test_a_reply_to_our_own_message_id_is_verified_and_resumes(on_hold, ivan):
    ours = _sent(on_hold, ivan)
    assert not NUMBER_SHAPED_ID.match(ours.message_id)
    raw = _mail(headers=(f"In-Reply-To: {ours.message_id}", f"References: {ours.message_id}"))
    message = receive(raw, source="imap")
    assert (message.outcome, message.incident, message.reason) == (Outcome.COMMENT, on_hold, "")
    assert (message.comment.verified, message.comment.visibility) == (True, Visibility.PUBLIC)
    on_hold.refresh_from_db()
    assert on_hold.status == Status.IN_PROGRESS


def test_a_number_shaped_id_of_mail_sent_before_ids_were_random_does_not_verify(on_hold, ivan):
    legacy = _sent(on_hold, ivan)
    legacy.message_id = f"<{on_hold.number}.7.info_request.{ivan.pk}@localhost>"
    legacy.save()
    message = receive(_mail(headers=(f"In-Reply-To: {legacy.message_id}",)), source="imap")
    assert (message.incident, message.comment.verified) == (on_hold, False)


def test_our_message_id_sent_to_someone_else_does_not_verify(on_hold):
    to_agent = _sent(on_hold, AgentFactory())
    message = receive(_mail(headers=(f"In-Reply-To: {to_agent.message_id}",)), source="imap")
    assert (message.incident, message.comment.verified) == (on_hold, False)
    on_hold.refresh_from_db()
    assert on_hold.status == Status.ON_HOLD


def test_a_reply_to_the_tokened_address_is_verified_and_resumes(on_hold, ivan):
    message = receive(_mail(to=reply_address(on_hold, ivan)), source="imap")
    assert (message.incident, message.comment.verified) == (on_hold, True)
    on_hold.refresh_from_db()
    assert on_hold.status == Status.IN_PROGRESS


def test_a_reply_address_made_under_the_previous_secret_key_still_verifies(settings, on_hold, ivan):
    address = reply_address(on_hold, ivan)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another secret key, long enough to be a real one"
    assert reply_address(on_hold, ivan) != address
    assert receive(_mail(to=address), source="imap").comment.verified is True


def test_the_tokened_address_may_come_as_delivered_to(on_hold, ivan):
    address = reply_address(on_hold, ivan).split("<")[-1].rstrip(">")
    message = receive(_mail(headers=(f"Delivered-To: {address}",)), source="imap")
    assert (message.incident, message.comment.verified) == (on_hold, True)


def test_a_tampered_or_someone_elses_token_does_not_verify(on_hold, ivan):
    address = reply_address(on_hold, ivan)
    mailbox, _, domain = address.rpartition("@")
    forged = mailbox[:-1] + ("1" if mailbox.endswith("0") else "0")
    tampered = receive(_mail(to=f"{forged}@{domain}"), source="imap")
    assert tampered.outcome == Outcome.COMMENT and tampered.comment.verified is False
    agent = AgentFactory(email="agent@desk.example")
    claimed = receive(_mail(sender=agent.email, to=address, body="Закрываем"), source="imap")
    assert (claimed.incident, claimed.comment.verified) == (on_hold, False)
    on_hold.refresh_from_db()
    assert on_hold.status == Status.ON_HOLD


def test_an_agent_replies_by_mail_through_their_own_reply_address(ivan):
    agent = AgentFactory(email="agent@desk.example")
    incident = make_incident(Status.IN_PROGRESS, reporter=ivan)
    raw = _mail(sender=agent.email, to=reply_address(incident, agent), body="Заменили картридж.")
    message = receive(raw, source="imap")
    comment = message.comment
    assert (comment.author, comment.verified, comment.visibility) == (
        agent,
        True,
        Visibility.PUBLIC,
    )
    incident.refresh_from_db()
    assert incident.first_response_at is not None


# --- DMARC ----------------------------------------------------------------------------------


def test_a_dmarc_failure_reported_by_our_own_mail_server_is_refused(settings, ivan):
    settings.INCIDESK_MAIL_AUTHSERV_ID = "mx.desk.example"
    verdict = (
        "Authentication-Results: mx.desk.example; spf=pass smtp.mailfrom=example.ru;\r\n"
        " dmarc=fail (p=reject dis=none) header.from=example.ru"
    )
    message = receive(_mail(subject="Не печатает принтер", headers=(verdict,)), source="imap")
    assert message.outcome == Outcome.REFUSED
    assert "DMARC" in message.reason and "mx.desk.example" in message.reason
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("authserv_id", "header"),
    [
        ("mx.desk.example", "evil.example; dmarc=fail header.from=example.ru"),
        ("mx.desk.example", "mx.desk.example.evil.example; dmarc=fail"),
        ("mx.desk.example", "mx.desk.example; dmarc=pass header.from=example.ru"),
        ("mx.desk.example", "mx.desk.example; dmarc=fail header.from=other.example"),
        ("", "mx.desk.example; dmarc=fail header.from=example.ru"),
    ],
)
def test_other_verdicts_and_other_hosts_headers_are_ignored(settings, ivan, authserv_id, header):
    settings.INCIDESK_MAIL_AUTHSERV_ID = authserv_id
    raw = _mail(subject="Не печатает принтер", headers=(f"Authentication-Results: {header}",))
    assert receive(raw, source="imap").outcome == Outcome.INCIDENT


# --- a reply to a closed incident -------------------------------------------------------------


def test_a_verified_reply_to_a_closed_incident_opens_a_follow_up_linked_to_it(ivan):
    closed = make_incident(Status.CLOSED, reporter=ivan)
    ours = queue_mail(closed.events.order_by("-pk").first(), ivan)[0]  # "closed" (and a survey)
    raw = _mail(body="Снова не печатает.", headers=(f"In-Reply-To: {ours.message_id}",))
    message = receive(raw, source="imap")
    new = message.incident
    assert (message.outcome, new.reporter) == (Outcome.INCIDENT, ivan)
    assert new != closed
    (link,) = IncidentLink.objects.filter(source=new)
    assert (link.target, link.kind, link.created_by) == (closed, LinkKind.FOLLOW_UP_OF, ivan)
    linked = new.events.get(kind=EventKind.LINKED)
    assert linked.data == {"target": closed.number, "link_kind": LinkKind.FOLLOW_UP_OF}
    assert linked not in visible_events(ivan, new)  # the desk's bookkeeping
    assert new.description.startswith(f"Продолжение {closed.number}")


def test_an_unverified_reply_to_a_closed_incident_is_not_linked_to_it(ivan):
    closed = make_incident(Status.CLOSED, reporter=ivan)
    raw = _mail(subject=f"Re: [{closed.number}] printer", to=DESK)
    message = receive(raw, source="imap")
    assert message.outcome == Outcome.INCIDENT
    assert not IncidentLink.objects.filter(source=message.incident).exists()
    # Nor is the sender told that incident's status.
    assert closed.number not in message.incident.description
