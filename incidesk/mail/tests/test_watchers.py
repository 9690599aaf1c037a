"""Watchers by e-mail, against a real SMTP server (aiosmtpd) and the ingest path: a colleague the
reporter adds gets the next status mail and replies into the incident; people in Cc become
watchers (never the desk's own addresses, never from an unverified reply); every customer gets
a mail of their own that names nobody else; nothing internal, and nothing that asks for the
reporter's verbs, reaches a watcher."""

import uuid

import pytest
from django.urls import reverse

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, OrganisationFactory
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import MAX_WATCHERS, Incident, Visibility, Watcher, WatcherSource
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.inbound import receive
from incidesk.mail.models import Outcome
from incidesk.mail.tests.conftest import DESK
from incidesk.mail.trust import reply_address

pytestmark = pytest.mark.django_db

HEADERS = ("To", "Cc", "Bcc", "Reply-To", "From")


def _raw(
    sender: str,
    *,
    subject: str = "Не печатает принтер",
    to: str = DESK,
    cc: str = "",
    body: str = "Принтер на третьем этаже не печатает.",
    headers: tuple[str, ...] = (),
) -> bytes:
    lines = [
        f"From: {sender}",
        f"To: {to}",
        *([f"Cc: {cc}"] if cc else []),
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


def _reply(mail, sender: str, body: str, cc: str = "") -> bytes:
    """What a mail client sends when `sender` presses Reply on our `mail`."""
    return _raw(
        sender,
        subject="Re: " + mail["Subject"].strip(),
        to=str(mail["Reply-To"]),
        cc=cc,
        body=body,
        headers=(f"In-Reply-To: {mail['Message-ID']}", f"References: {mail['Message-ID']}"),
    )


def _subject(mail) -> str:
    return mail["Subject"].strip()


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def _headers(mail) -> str:
    return " ".join(str(mail[name] or "") for name in HEADERS)


@pytest.fixture
def office():
    """An organisation with a reporter and a colleague, and the reporter's incident."""
    organisation = OrganisationFactory()
    reporter = CustomerFactory(
        organisation=organisation, email="ivan@example.ru", full_name="Иван Петров"
    )
    colleague = CustomerFactory(
        organisation=organisation, email="olga@example.ru", full_name="Ольга Смирнова"
    )
    return make_incident(reporter=reporter), reporter, colleague


def test_a_colleague_added_in_the_portal_gets_the_next_status_mail_and_replies_into_the_incident(
    smtp, act, client, office, django_capture_on_commit_callbacks, run_tasks
):
    incident, reporter, colleague = office
    run_tasks()  # the acknowledgement went to the reporter when they registered it
    client.force_login(reporter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:act", args=[incident.number, "add-watcher"]),
            {"email": "OLGA@example.ru"},
        )
    assert response.status_code == 302
    assert Watcher.objects.get(incident=incident).person == colleague

    agent = AgentFactory(language="en")
    act(actions.do_accept, incident, actor=agent)
    (status_mail,) = smtp.to(colleague.email)
    assert "Взято в работу" in _subject(status_mail)
    assert str(status_mail["To"]) == "olga@example.ru"
    assert status_mail["Reply-To"] == reply_address(incident, colleague)
    assert reporter.email not in _headers(status_mail)
    assert colleague.email not in _headers(smtp.to(reporter.email)[-1])

    message = act(
        receive, _reply(status_mail, "Ольга <olga@example.ru>", "Он у меня тоже."), "stdin"
    )
    assert message.outcome == Outcome.COMMENT, message.reason
    comment = incident.comments.get()
    assert (comment.author, comment.body, comment.visibility, comment.verified) == (
        colleague,
        "Он у меня тоже.",
        Visibility.PUBLIC,
        True,
    )
    told = smtp.to(reporter.email)[-1]
    assert "Ольга Смирнова" in _text(told) and "Он у меня тоже." in _text(told)
    assert _subject(smtp.to(agent.email)[-1]).endswith("Customer replied: Не печатает принтер")


def test_a_cc_on_an_incoming_mail_becomes_a_watcher_and_gets_the_next_status_mail(smtp, act):
    agent = AgentFactory(email="agent@example.ru")
    cc = (
        "Ольга <olga@example.ru>, Incidesk <support@localhost>, support+inc-000001.abc@localhost, "
        "agent@example.ru, ivan@example.ru"
    )
    message = act(receive, _raw("Иван Петров <ivan@example.ru>", cc=cc), "stdin")
    assert message.outcome == Outcome.INCIDENT, message.reason
    incident = Incident.objects.get()
    (watcher,) = Watcher.objects.filter(incident=incident)
    assert (watcher.person.email, watcher.source) == ("olga@example.ru", WatcherSource.CC)
    assert watcher.person.is_customer and not watcher.person.has_usable_password()
    assert "agent@example.ru" in message.reason  # staff are not made watchers, and it says so
    # Olga was told the number along with Ivan, each in a mail of their own.
    (ack,) = smtp.to("olga@example.ru")
    assert incident.number in _subject(ack) and "ivan@example.ru" not in _headers(ack)

    act(actions.do_accept, incident, actor=agent)
    assert "Взято в работу" in _subject(smtp.to("olga@example.ru")[-1])


def test_unknown_addresses_in_cc_are_skipped_when_unknown_senders_are_refused(smtp, act, settings):
    CustomerFactory(email="ivan@example.ru")
    settings.INCIDESK_MAIL_UNKNOWN_SENDERS = "refuse"
    message = act(receive, _raw("ivan@example.ru", cc="stranger@example.com"), "stdin")
    assert message.outcome == Outcome.INCIDENT
    assert not Watcher.objects.exists()
    assert not User.objects.filter(email="stranger@example.com").exists()
    assert "stranger@example.com" in message.reason


def test_an_unverified_reply_signs_nobody_up(smtp, act, office):
    incident, _reporter, _colleague = office
    raw = _raw("ivan@example.ru", subject=f"Re: [{incident.number}] принтер", cc="spy@example.com")
    message = act(receive, raw, "stdin")
    assert message.outcome == Outcome.COMMENT
    assert not Watcher.objects.exists()


def test_a_verified_reply_adds_its_cc_and_the_limit_holds(smtp, act, office):
    incident, reporter, _colleague = office
    act(actions.do_accept, incident, actor=AgentFactory())
    mail = smtp.to(reporter.email)[-1]
    cc = ", ".join(f"person{n}@example.com" for n in range(MAX_WATCHERS + 3))
    message = act(receive, _reply(mail, "ivan@example.ru", "Добавляю коллег.", cc=cc), "stdin")
    assert message.outcome == Outcome.COMMENT
    assert Watcher.objects.filter(incident=incident).count() == MAX_WATCHERS
    assert f"person{MAX_WATCHERS}@example.com" in message.reason


def test_each_customer_gets_a_mail_of_their_own_naming_nobody_else(smtp, act, office):
    incident, reporter, colleague = office
    incident.organisation.watchers_any_address = True
    incident.organisation.save()
    outsider = CustomerFactory(email="partner@vendor.example")
    for person in (colleague, outsider):
        actions.do_add_watcher(incident, actor=reporter, person=person, source="portal")
    act(actions.do_accept, incident, actor=AgentFactory())
    customers = [reporter.email, colleague.email, outsider.email]
    for address in customers:
        (mail,) = [m for m in smtp.to(address) if "Взято в работу" in _subject(m)]
        assert str(mail["To"]) == address and mail["Cc"] is None and mail["Bcc"] is None
        others = [a for a in customers if a != address]
        assert not any(other in _headers(mail) or other in _text(mail) for other in others)


def test_watchers_get_no_internal_note_and_no_request_to_rate(smtp, act, office):
    incident, reporter, colleague = office
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    agent = AgentFactory()
    act(actions.do_accept, incident, actor=agent)
    act(
        actions.do_add_comment,
        incident,
        actor=agent,
        body="Внутренняя заметка: пароль admin123",
        visibility=Visibility.INTERNAL,
    )
    act(actions.do_add_comment, incident, actor=agent, body="Заменили картридж.")
    incident = act(
        actions.do_resolve,
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Готово.",
    )
    act(actions.do_close, incident, actor=agent)
    received = smtp.to(colleague.email)
    assert not any("admin123" in _text(mail) for mail in received)
    assert any("Заменили картридж." in _text(mail) for mail in received)
    subjects = [_subject(mail) for mail in received]
    assert any("Закрыто" in s for s in subjects)
    assert not any("Оцените" in s for s in subjects)
    assert any("Оцените" in _subject(mail) for mail in smtp.to(reporter.email))


def test_a_watchers_reopen_by_mail_is_only_a_comment(smtp, act, office):
    incident, reporter, colleague = office
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    agent = AgentFactory()
    act(actions.do_accept, incident, actor=agent)
    incident = act(
        actions.do_resolve,
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Готово.",
    )
    mail = smtp.to(colleague.email)[-1]
    message = act(receive, _reply(mail, "olga@example.ru", "#reopen всё ещё не печатает"), "stdin")
    assert message.outcome == Outcome.COMMENT, message.reason
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.comments.get().author == colleague


def _html(mail) -> str:
    return mail.get_body(("html",)).get_content()


@pytest.mark.parametrize(
    ("language", "note", "theirs", "news"),
    [
        (
            "ru",
            "Вы получаете это письмо как наблюдатель",
            "Ваше обращение решено.",
            "Обращение решено.",
        ),
        (
            "en",
            "You receive this e-mail as a watcher",
            "Your request has been resolved.",
            "The request has been resolved.",
        ),
    ],
)
def test_a_watchers_mail_says_they_watch_and_how_to_stop(
    smtp, act, office, language, note, theirs, news
):
    """A watcher's status and reply mails speak of *the* request, not theirs, say why they get
    them and how to stop, and leave out the reporter's "#reopen"; the reporter's do not."""
    incident, reporter, colleague = office
    colleague.language = language
    colleague.save()
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    agent = AgentFactory()
    act(actions.do_accept, incident, actor=agent)
    act(actions.do_add_comment, incident, actor=agent, body="Заменили картридж.")
    act(
        actions.do_resolve,
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Готово.",
    )
    received = smtp.to(colleague.email)
    # Registered (the worker had not yet run when they were added), taken, the reply, resolved.
    assert len(received) == 4 and len({_subject(mail) for mail in received}) == 4
    for mail in received:
        assert note in _text(mail) and note in _html(mail)
        assert str(mail["To"]) == colleague.email and reporter.email not in _headers(mail)
    resolved = received[-1]
    assert news in _text(resolved) and theirs not in _text(resolved)
    assert news in _html(resolved)
    assert "#reopen" not in _text(resolved) and "Готово." in _text(resolved)
    assert "Заменили картридж." in _text(received[2])
    for mail in smtp.to(reporter.email):
        assert "наблюдатель" not in _text(mail) and "as a watcher" not in _text(mail)
    assert "Ваше обращение решено." in _text(smtp.to(reporter.email)[-1])
