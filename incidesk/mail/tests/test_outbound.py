"""Outgoing mail against a real SMTP server (aiosmtpd): headers, threading, language, retries,
and that nothing internal ever reaches a customer."""

import itertools
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from incidesk.accounts.contacts import contact_for
from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.incidents.wording import priority_words
from incidesk.mail.models import MailState, OutgoingMail
from incidesk.mail.trust import NUMBER_SHAPED_ID, reply_address
from incidesk.notifications.models import Preference, Topic
from incidesk.notifications.tasks import deliver_notifications
from incidesk.sla.models import Metric
from incidesk.sla.promise import promise

pytestmark = pytest.mark.django_db

SECRET = "пароль от сервера hunter2"


def _subject(message) -> str:
    """The decoded subject (Django folds a long encoded subject onto a continuation line)."""
    return message["Subject"].strip()


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


def test_the_acknowledgement_carries_number_priority_and_response_time(smtp, act):
    customer = CustomerFactory(language="ru")
    incident = act(actions.do_create_incident, actor=customer, title="Не печатает принтер")
    (mail,) = smtp.to(customer.email)
    clock = incident.sla_clocks.get(metric=Metric.RESPONSE)
    assert _subject(mail) == f"[{incident.number}] Обращение зарегистрировано: Не печатает принтер"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["Reply-To"] == reply_address(incident, customer)
    assert re.fullmatch(
        rf"support\+{incident.number.lower()}\.[0-9a-f]{{24}}@localhost", mail["Reply-To"]
    )
    assert mail["Message-ID"] == OutgoingMail.objects.get(recipient=customer).message_id
    assert not NUMBER_SHAPED_ID.match(mail["Message-ID"])
    assert mail["References"] == f"<{incident.number}@localhost>"
    assert mail["In-Reply-To"] == f"<{incident.number}@localhost>"
    text, html = _text(mail), _html(mail)
    with translation.override("ru"):
        words = priority_words(3)
    for body in (text, html):
        assert incident.number in body
        assert words in body
        assert promise(clock, customer) in body
        assert f"http://127.0.0.1:8000/incidents/{incident.number}/" in body


def test_a_contact_is_offered_a_password_an_account_holder_is_not(smtp, act):
    contact = contact_for("new.contact@example.com", "Пётр")
    customer = CustomerFactory(language="ru")
    act(actions.do_create_incident, actor=contact, title="Не работает почта")
    act(actions.do_create_incident, actor=customer, title="Не работает почта")
    link = "http://127.0.0.1:8000/password-reset/"
    (to_contact,) = smtp.to(contact.email)
    assert link in _text(to_contact) and link in _html(to_contact)
    (to_customer,) = smtp.to(customer.email)
    assert link not in _text(to_customer)


def test_each_person_reads_their_own_language(smtp, act, settings):
    settings.INCIDESK_BASE_URL = "https://desk.example.com"
    customer = CustomerFactory(language="en")
    team = TeamFactory(lead=AgentFactory(language="ru"))
    incident = act(actions.do_create_incident, actor=customer, title="VPN is down", team=None)
    actions.do_assign(incident, actor=team.lead, team=team)
    (mail,) = smtp.to(customer.email)
    assert _subject(mail) == f"[{incident.number}] Request registered: VPN is down"
    assert "Expected response: within" in _text(mail)
    assert f"https://desk.example.com/incidents/{incident.number}/" in _html(mail)


def test_every_status_change_reaches_the_customer_threaded(smtp, act):
    customer, agent = CustomerFactory(language="ru"), AgentFactory(language="en")
    incident = act(actions.do_create_incident, actor=customer, title="Принтер")
    act(actions.do_accept, incident, actor=agent)
    act(actions.do_request_info, incident, actor=agent, message="Какая модель принтера?")
    act(actions.do_add_comment, incident, actor=customer, body="HP 400")
    act(
        actions.do_hold,
        incident,
        actor=agent,
        reason=HoldReason.objects.get(code="awaiting_vendor"),
    )
    act(actions.do_resume, incident, actor=agent)
    act(
        actions.do_resolve,
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Заменили картридж. Печатайте как обычно.",
    )
    act(actions.do_reopen, incident, actor=agent, reason="")
    act(
        actions.do_resolve,
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Заменили фьюзер.",
    )
    act(actions.do_close, incident, actor=agent)
    kinds = list(
        OutgoingMail.objects.filter(recipient=customer)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "acknowledgement",
        "in_progress",
        "info_request",
        "on_hold",
        "resumed",
        "resolved",
        "reopened",
        "resolved",
        "closed",
        "satisfaction",
    ]
    received = smtp.to(customer.email)
    assert len(received) == len(kinds)
    root = f"<{incident.number}@localhost>"
    for previous, mail in itertools.pairwise(received):
        assert mail["In-Reply-To"] == previous["Message-ID"]
        assert mail["References"].split() == [root, previous["Message-ID"]]
        assert _subject(mail).startswith(f"[{incident.number}] ")
        assert mail["Auto-Submitted"] == "auto-generated"
    info_request = _text(received[2])
    assert "Какая модель принтера?" in info_request and "Пожалуйста, ответьте до" in info_request
    assert "Заменили картридж. Печатайте как обычно." in _text(received[5])
    assert "#reopen" in _text(received[5])
    assert f"/incidents/{incident.number}/" in _text(received[-1])
    desk = [_subject(m) for m in smtp.to(agent.email)]
    assert desk == [f"[{incident.number}] Customer replied: Принтер"]


def test_internal_notes_and_fields_never_reach_the_customer(smtp, act):
    customer, agent = CustomerFactory(language="ru"), AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    act(actions.do_add_comment, incident, actor=agent, body=SECRET, visibility=Visibility.INTERNAL)
    act(
        actions.do_hold,
        incident,
        actor=agent,
        reason=HoldReason.objects.get(code="awaiting_vendor"),
        message=SECRET,
    )
    act(actions.do_resume, incident, actor=agent)
    act(actions.do_add_comment, incident, actor=agent, body="Публичный ответ")
    lead = AgentFactory(role="lead")
    act(actions.do_override_priority, incident, actor=lead, priority=1, reason=SECRET)
    received = smtp.to(customer.email)
    assert [_subject(m).split("]")[1].split(":")[0].strip() for m in received] == [
        "Обращение зарегистрировано",  # make_incident's own changes are promised in its transaction
        "Взято в работу",
        "Отложено",
        "Снова в работе",
        "Новый ответ",
    ]
    for mail in received:
        assert SECRET not in _text(mail) and SECRET not in _html(mail)
        assert "hunter2" not in mail.as_string()
    assert "Публичный ответ" in _text(received[-1])


def test_a_refused_send_is_retried_later_and_sent_once(smtp, act, run_tasks):
    smtp.refuse = 1
    customer = CustomerFactory()
    act(actions.do_create_incident, actor=customer, title="Принтер")
    mail = OutgoingMail.objects.get(recipient=customer)
    assert (mail.state, mail.attempts) == (MailState.RETRYING, 1)
    assert "451" in mail.last_error
    assert smtp.received == []
    run_tasks()  # the retry is not due yet
    assert smtp.received == []
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        run_tasks()
        run_tasks()
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.SENT, 2)
    (sent,) = smtp.to(customer.email)
    assert sent["Message-ID"] == mail.message_id  # the id stays the row's across retries


def test_a_mail_that_keeps_failing_is_kept_as_failed(smtp, act, run_tasks):
    smtp.refuse = 100
    customer = CustomerFactory()
    act(actions.do_create_incident, actor=customer, title="Принтер")
    for hours in range(1, 30):
        with time_machine.travel(timezone.now() + timedelta(hours=hours)):
            run_tasks()
    mail = OutgoingMail.objects.get(recipient=customer)
    assert (mail.state, mail.attempts) == (MailState.FAILED, 7)


def test_a_repeated_delivery_queues_nothing_twice(smtp, act, run_tasks):
    customer = CustomerFactory()
    incident = act(actions.do_create_incident, actor=customer, title="Принтер")
    deliver_notifications.enqueue(list(incident.events.values_list("pk", flat=True)))
    run_tasks()
    assert OutgoingMail.objects.filter(recipient=customer).count() == 1
    assert len(smtp.to(customer.email)) == 1


def test_people_may_switch_off_e_mail_topics(smtp, act):
    customer, agent = CustomerFactory(), AgentFactory()
    Preference.objects.create(user=customer, muted_topics=[Topic.UPDATES])
    incident = act(actions.do_create_incident, actor=customer, title="Принтер")
    act(actions.do_accept, incident, actor=agent)
    act(actions.do_add_comment, incident, actor=agent, body="Смотрим")
    assert [_subject(m) for m in smtp.to(customer.email)] == [
        f"[{incident.number}] Новый ответ: Принтер"
    ]
    Preference.objects.filter(user=customer).update(email_enabled=False, muted_topics=[])
    act(actions.do_add_comment, incident, actor=agent, body="Ещё смотрим")
    assert len(smtp.to(customer.email)) == 1


def test_without_an_smtp_host_mail_goes_to_the_outbox(settings, tmp_path, act):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    customer = CustomerFactory()
    incident = act(actions.do_create_incident, actor=customer, title="Принтер")
    assert OutgoingMail.objects.get(recipient=customer).state == MailState.SENT
    (saved,) = (tmp_path / "outbox").iterdir()
    assert incident.number in saved.read_text()


def test_the_desk_hears_of_assignment_replies_and_reopening(smtp, act):
    customer, agent = CustomerFactory(), AgentFactory(language="en")
    lead = AgentFactory(role="lead")
    team = TeamFactory(lead=lead)
    team.members.add(agent)
    registrar = AgentFactory()
    incident = act(
        actions.do_create_incident, actor=registrar, reporter=customer, title="Printer", team=team
    )
    act(actions.do_assign, incident, actor=lead, assignee=agent)
    act(actions.do_add_comment, incident, actor=customer, body="Any news?")
    act(
        actions.do_resolve,
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Fixed.",
    )
    act(actions.do_reopen, incident, actor=customer, reason="Still broken")
    subjects = [_subject(m).split("] ")[1] for m in smtp.to(agent.email)]
    assert subjects == [
        "Assigned to you: Printer",
        "Customer replied: Printer",
        "Reopened by the customer: Printer",
        "Customer replied: Printer",
    ]
    assert "Any news?" in _text(smtp.to(agent.email)[1])
    assert [_subject(m).split("] ")[1] for m in smtp.to(lead.email)] == ["Новый инцидент: Printer"]


def test_every_mail_has_its_own_unguessable_message_id_and_each_person_a_reply_address(
    smtp, act, run_tasks
):
    customer, agent = CustomerFactory(), AgentFactory()
    incident = make_incident(Status.NEW, reporter=customer)
    run_tasks()  # the mails about the registration
    smtp.received.clear()
    act(actions.do_accept, incident, actor=agent)
    act(actions.do_add_comment, incident, actor=customer, body="Есть новости?")
    (to_customer,) = smtp.to(customer.email)
    (to_agent,) = smtp.to(agent.email)
    ids = {to_customer["Message-ID"], to_agent["Message-ID"]}
    assert len(ids) == 2 and not any(NUMBER_SHAPED_ID.match(i) for i in ids)
    assert to_customer["Reply-To"] == reply_address(incident, customer)
    assert to_agent["Reply-To"] == reply_address(incident, agent)
    assert to_customer["Reply-To"] != to_agent["Reply-To"]


def test_a_mail_that_cannot_be_built_fails_at_once_with_its_reason(smtp, act, run_tasks):
    customer = CustomerFactory()
    User.objects.filter(pk=customer.pk).update(email=f"{customer.email}\r\nBcc: x@evil.example")
    customer.refresh_from_db()
    act(actions.do_create_incident, actor=customer, title="Принтер")
    mail = OutgoingMail.objects.get(recipient=customer)
    assert (mail.state, mail.attempts) == (MailState.FAILED, 1)
    assert mail.last_error.startswith("Письмо не удалось собрать: BadHeaderError")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        run_tasks()
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.FAILED, 1)
    assert smtp.received == []


def test_a_stored_title_with_a_line_break_still_makes_a_one_line_subject(smtp, act, run_tasks):
    customer, agent = CustomerFactory(language="ru"), AgentFactory()
    incident = make_incident(Status.NEW, reporter=customer)
    run_tasks()  # the mails about the registration
    smtp.received.clear()
    Incident.objects.filter(pk=incident.pk).update(title="Принтер\r\nBcc: x@evil.example")
    act(actions.do_accept, incident, actor=agent)
    (mail,) = smtp.to(customer.email)
    assert _subject(mail) == f"[{incident.number}] Взято в работу: Принтер Bcc: x@evil.example"
    assert mail["Bcc"] is None


def test_a_mail_whose_template_breaks_is_failed_and_the_others_still_go(
    smtp, act, settings, tmp_path
):
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "new_incident.txt").write_text("{% if %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    customer, lead = CustomerFactory(), AgentFactory(role="lead")
    team = TeamFactory(lead=lead)
    act(
        actions.do_create_incident,
        actor=AgentFactory(),
        reporter=customer,
        title="Принтер",
        team=team,
    )
    failed = OutgoingMail.objects.get(recipient=lead)
    assert (failed.kind, failed.state) == ("new_incident", MailState.FAILED)
    assert failed.last_error.startswith("Письмо не удалось сформировать по шаблону")
    assert smtp.to(lead.email) == []
    (acknowledgement,) = smtp.to(customer.email)
    assert "Обращение зарегистрировано" in _subject(acknowledgement)
