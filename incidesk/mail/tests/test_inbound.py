"""Received mail becomes incidents and comments through the real actions, or is kept with a
reason: no message of the corpus vanishes."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents.models import Channel, Incident, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.inbound import receive
from incidesk.mail.models import InboundMessage, Outcome
from incidesk.mail.tests.conftest import CORPUS, corpus
from incidesk.mail.trust import reply_address

pytestmark = pytest.mark.django_db

NEW_MESSAGES = {
    "utf8_qp.eml": "Не печатает принтер",
    "koi8r_8bit.eml": "Нет доступа к почте",
    "cp1251_base64.eml": "Сломался ноутбук",
    "cp1251_labelled_latin1.eml": "Не работает сканер",
    "raw_koi8r_headers.eml": "Не работает телефон",
    "html_only.eml": "VPN",
    "attachments_russian_names.eml": "Отчёт с ошибкой",
}
NOISE = ("auto_reply.eml", "bounce.eml", "list_mail.eml")


@pytest.mark.parametrize(("name", "title"), NEW_MESSAGES.items())
def test_a_new_message_becomes_an_e_mail_incident_of_its_sender(name, title, ivan):
    message = receive(corpus(name), source="stdin")
    assert message.outcome == Outcome.INCIDENT, message.reason
    incident = message.incident
    assert (incident.title, incident.channel) == (title, Channel.EMAIL)
    assert incident.reporter.email == message.sender
    assert incident.reporter.is_customer
    assert bytes(message.raw) == corpus(name)


def test_an_unknown_sender_becomes_a_contact_in_the_language_they_wrote(ivan):
    receive(corpus("koi8r_8bit.eml"), source="stdin")
    maria = User.objects.get(email="maria@example.ru")
    assert (maria.full_name, maria.language, maria.has_usable_password()) == (
        "Мария Сидорова",
        "ru",
        False,
    )
    receive(corpus("stranger_reply.eml", "INC-999999"), source="stdin")
    assert User.objects.get(email="stranger@evil.example").language == "en"


def test_unknown_senders_may_be_refused(settings, ivan):
    settings.INCIDESK_MAIL_UNKNOWN_SENDERS = "refuse"
    refused = receive(corpus("koi8r_8bit.eml"), source="stdin")
    assert refused.outcome == Outcome.REFUSED and "Неизвестный отправитель" in refused.reason
    assert not User.objects.filter(email="maria@example.ru").exists()
    assert receive(corpus("utf8_qp.eml"), source="stdin").outcome == Outcome.INCIDENT


def test_attachments_and_inline_images_are_kept_with_their_names(ivan):
    incident = receive(corpus("attachments_russian_names.eml"), source="imap").incident
    names = {a.original_name: a.file.read() for a in incident.attachments.all()}
    assert set(names) == {"снимок экрана.png", "отчёт за ноябрь.pdf", "журнал.txt"}
    assert names["журнал.txt"] == "Журнал ошибок".encode("cp1251")


def test_the_same_message_twice_changes_nothing(ivan):
    first = receive(corpus("utf8_qp.eml"), source="imap")
    again = receive(corpus("utf8_qp_duplicate.eml"), source="stdin")
    assert again.pk == first.pk
    assert Incident.objects.count() == 1
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize("name", NOISE)
def test_automatic_mail_is_kept_but_never_becomes_an_incident(name):
    message = receive(corpus(name), source="imap")
    assert message.outcome == Outcome.IGNORED
    assert message.reason
    assert message.incident is None
    assert not Incident.objects.exists()


def _to_reply_address(raw: bytes, incident: Incident, person: User) -> bytes:
    """The message as sent to the person's own reply address for the incident (verified)."""
    return raw.replace(b"To: support@localhost", f"To: {reply_address(incident, person)}".encode())


def test_a_malformed_from_is_refused_not_guessed(ivan):
    message = receive(corpus("malformed_from.eml"), source="stdin")
    assert message.outcome == Outcome.REFUSED
    assert "anna@example.ru" in message.reason and "From: IndexError" in message.reason
    assert not Incident.objects.exists()


def test_a_message_without_a_sender_is_kept_refused():
    message = receive(corpus("no_sender.eml"), source="stdin")
    assert (message.outcome, message.reason) == (
        Outcome.REFUSED,
        "В письме нет адреса отправителя.",
    )


def test_a_runaway_sender_is_stopped(settings, ivan):
    settings.INCIDESK_MAIL_RATE_LIMIT = 3
    raw = corpus("utf8_qp.eml")
    outcomes = [
        receive(raw.replace(b"<utf8-qp@", f"<utf8-qp-{n}@".encode()), source="imap").outcome
        for n in range(5)
    ]
    assert outcomes == [Outcome.INCIDENT] * 3 + [Outcome.IGNORED] * 2
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        late = raw.replace(b"<utf8-qp@", b"<utf8-qp-late@")
        assert receive(late, source="imap").outcome == Outcome.INCIDENT


def test_a_reply_to_an_information_request_resumes_work(ivan):
    incident = make_incident(Status.ON_HOLD, reporter=ivan)
    raw = _to_reply_address(corpus("reply_to_info_request.eml", incident.number), incident, ivan)
    message = receive(raw, source="imap")
    assert message.outcome == Outcome.COMMENT, message.reason
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    assert message.comment.body == "Модель принтера HP LaserJet 400, лампа мигает оранжевым."
    assert message.comment.visibility == Visibility.PUBLIC
    assert message.comment.author == ivan


def test_a_stranger_cannot_comment_on_someone_elses_incident(ivan):
    incident = make_incident(Status.IN_PROGRESS, reporter=ivan)
    message = receive(corpus("stranger_reply.eml", incident.number), source="imap")
    assert message.outcome == Outcome.REFUSED
    assert "не заявитель" in message.reason
    assert message.incident == incident
    assert not incident.comments.filter(body__contains="Let me in").exists()
    assert Incident.objects.count() == 1


def test_a_colleague_who_may_see_the_incident_still_may_not_comment_by_mail(ivan):
    ivan.organisation.shared_visibility = True
    ivan.organisation.save()
    colleague = CustomerFactory(email="stranger@evil.example", organisation=ivan.organisation)
    incident = make_incident(Status.IN_PROGRESS, reporter=ivan)
    message = receive(corpus("stranger_reply.eml", incident.number), source="imap")
    assert message.outcome == Outcome.REFUSED
    assert not incident.comments.filter(author=colleague).exists()


def test_an_agent_may_reply_by_mail(ivan):
    agent = AgentFactory(email="stranger@evil.example")
    incident = make_incident(Status.IN_PROGRESS, reporter=ivan)
    raw = _to_reply_address(corpus("stranger_reply.eml", incident.number), incident, agent)
    message = receive(raw, source="imap")
    assert message.outcome == Outcome.COMMENT
    assert (message.comment.author, message.comment.visibility) == (agent, Visibility.PUBLIC)


def test_not_fixed_without_the_keyword_is_a_comment(ivan):
    incident = make_incident(Status.RESOLVED, reporter=ivan)
    raw = _to_reply_address(corpus("reply_not_fixed.eml", incident.number), incident, ivan)
    message = receive(raw, source="imap")
    assert (message.outcome, message.comment.verified) == (Outcome.COMMENT, True)
    assert message.comment.body == "Всё ещё не работает."
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


def test_the_reopen_keyword_reopens_a_resolved_incident(ivan):
    incident = make_incident(Status.RESOLVED, reporter=ivan)
    raw = _to_reply_address(corpus("reopen_keyword.eml", incident.number), incident, ivan)
    message = receive(raw, source="imap")
    assert message.outcome == Outcome.COMMENT, message.reason
    incident.refresh_from_db()
    assert (incident.status, incident.reopen_count) == (Status.IN_PROGRESS, 1)
    assert message.comment.body == "Принтер опять не печатает."


def test_a_reply_to_a_closed_incident_opens_a_new_one(ivan):
    closed = make_incident(Status.CLOSED, reporter=ivan)
    raw = _to_reply_address(corpus("reply_not_fixed.eml", closed.number), closed, ivan)
    message = receive(raw, source="imap")
    assert message.outcome == Outcome.INCIDENT
    assert message.incident != closed
    assert message.incident.title == "Решено"
    assert closed.number in message.incident.description


def test_a_failure_keeps_the_whole_message_with_its_reason(ivan, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("incidesk.incidents.actions.do_create_incident", broken)
    message = receive(corpus("utf8_qp.eml"), source="imap")
    assert (message.outcome, message.reason) == (Outcome.FAILED, "RuntimeError: disk full")
    assert bytes(InboundMessage.objects.get().raw) == corpus("utf8_qp.eml")


def test_every_corpus_message_ends_somewhere(ivan):
    """The issue's rule: an incident, a comment, or a kept failure with a reason."""
    incident = make_incident(Status.ON_HOLD, reporter=ivan)
    for path in sorted(CORPUS.glob("*.eml")):
        message = receive(corpus(path.name, incident.number), source="stdin")
        assert message.outcome != Outcome.PENDING, path.name
        if message.outcome in (Outcome.INCIDENT, Outcome.COMMENT):
            assert message.incident is not None, path.name
        else:
            assert message.reason, path.name
    stored = InboundMessage.objects.count()
    assert stored == len(list(CORPUS.glob("*.eml"))) - 1  # the duplicate is the one message
