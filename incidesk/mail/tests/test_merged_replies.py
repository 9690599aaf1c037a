"""Replies to a merged incident's thread keep arriving: a verified one lands on the incident the
merge continues (as the customer's reply when it is theirs, as an internal note marked from the
merged one when it is another customer's); an unverified one proves nothing and ties nothing."""

import io
import uuid
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from incidesk.incidents import actions
from incidesk.incidents.models import Incident, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.inbound import receive
from incidesk.mail.models import Outcome, OutgoingMail
from incidesk.mail.tests.conftest import DESK

IVAN = "Иван Петров <ivan@example.ru>"


def _reply(in_reply_to: str, body: str, subject: str = "Re: принтер") -> bytes:
    lines = [
        f"From: {IVAN}",
        f"To: {DESK}",
        f"Subject: {subject}",
        f"Message-ID: <{uuid.uuid4().hex}@example.ru>",
        *([f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"] if in_reply_to else []),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        body,
    ]
    return "\r\n".join(lines).encode()


@pytest.fixture
def merged(ivan, agent, run_tasks):
    """Ivan's duplicate, acknowledged by mail, then merged into his earlier incident."""
    original = make_incident(Status.IN_PROGRESS, reporter=ivan, agent=agent)
    duplicate = make_incident(Status.NEW, reporter=ivan, title="Принтер снова")
    run_tasks()
    actions.do_merge(duplicate, actor=agent, target=original)
    run_tasks()
    return original, Incident.objects.get(pk=duplicate.pk)


@pytest.mark.django_db
def test_a_verified_reply_to_the_merged_thread_lands_on_the_target(merged, ivan):
    original, duplicate = merged
    ack = OutgoingMail.objects.get(incident=duplicate, kind="acknowledgement")
    message = receive(_reply(ack.message_id, "Лампа мигает."), source="imap")
    assert (message.outcome, message.incident) == (Outcome.COMMENT, original)
    comment = original.comments.get(body="Лампа мигает.")
    assert (comment.author, comment.visibility, comment.verified) == (
        ivan,
        Visibility.PUBLIC,
        True,
    )
    told = OutgoingMail.objects.get(incident=duplicate, kind="merged")
    receive(_reply(told.message_id, "Спасибо, понял."), source="imap")
    assert original.comments.filter(body="Спасибо, понял.").exists()
    assert not duplicate.comments.exists()


@pytest.mark.django_db
def test_a_reply_from_another_customer_lands_as_an_internal_note(ivan, agent, run_tasks):
    original = make_incident(Status.IN_PROGRESS, agent=agent)
    duplicate = make_incident(Status.NEW, reporter=ivan)
    run_tasks()
    actions.do_merge(duplicate, actor=agent, target=original)
    ack = OutgoingMail.objects.get(incident=duplicate, kind="acknowledgement")
    message = receive(_reply(ack.message_id, "У меня тоже."), source="imap")
    assert (message.outcome, message.incident) == (Outcome.COMMENT, original)
    note = original.comments.get(body="У меня тоже.")
    assert (note.author, note.visibility, note.moved_from) == (ivan, Visibility.INTERNAL, duplicate)
    assert not original.events.filter(is_public=True, data__comment_id=note.pk).exists()


@pytest.mark.django_db
def test_an_unverified_reply_to_a_merged_incident_ties_nothing(merged, ivan):
    original, duplicate = merged
    raw = _reply("", "Что с заявкой?", subject=f"Re: [{duplicate.number}] принтер")
    message = receive(raw, source="imap")
    assert message.outcome == Outcome.INCIDENT
    assert message.incident not in (original, duplicate)
    assert not original.comments.filter(body="Что с заявкой?").exists()


@pytest.mark.django_db
def test_after_an_undo_replies_go_to_the_duplicate_again(merged, agent):
    original, duplicate = merged
    actions.do_unmerge(duplicate, actor=agent)
    assert not original.comments.exists()
    ack = OutgoingMail.objects.get(incident=duplicate, kind="acknowledgement")
    message = receive(_reply(ack.message_id, "Всё ещё мигает."), source="imap")
    assert message.incident == duplicate
    assert duplicate.comments.filter(body="Всё ещё мигает.").exists()


def _client_reply(mail: EmailMessage, body: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = IVAN
    reply["To"] = DESK
    reply["Subject"] = "Re: " + mail["Subject"].strip()
    reply["Message-ID"] = f"<{uuid.uuid4().hex}@example.ru>"
    reply["In-Reply-To"] = mail["Message-ID"]
    reply["References"] = f"{mail['References']} {mail['Message-ID']}"
    plain = mail.get_body(("plain",))
    assert plain is not None
    quoted = "\n".join(f"> {line}" for line in plain.get_content().splitlines())
    reply.set_content(f"{body}\n\nСлужба поддержки написал(а):\n{quoted}\n")
    return bytes(reply)


@pytest.mark.slow
def test_over_real_smtp_and_imap_a_reply_to_the_old_incident_lands_on_the_target(
    reference_data, imap, smtp, run_tasks, ivan, agent
):
    """The issue's "done when": an agent merges two incidents and a later e-mail reply to the
    old one lands on the target; the customer got the new number by mail, once."""
    original = make_incident(Status.IN_PROGRESS, reporter=ivan, agent=agent)
    duplicate = make_incident(Status.NEW, reporter=ivan, title="Принтер снова")
    run_tasks()
    ack = next(m for m in smtp.to("ivan@example.ru") if duplicate.number in m["Subject"])
    actions.do_merge(duplicate, actor=agent, target=original)
    run_tasks()
    told = [
        m
        for m in smtp.to("ivan@example.ru")
        if duplicate.number in m["Subject"]
        and original.number in m.get_body(("plain",)).get_content()
    ]
    assert len(told) == 1
    imap.deliver(_client_reply(ack, "Лампа мигает оранжевым."))
    call_command("email", "poll", stdout=io.StringIO())
    comment = original.comments.get(body="Лампа мигает оранжевым.")
    assert comment.author == ivan and comment.visibility == Visibility.PUBLIC
