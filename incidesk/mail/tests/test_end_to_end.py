"""The issue's "done when": a message sent to the desk mailbox becomes an incident, the customer
gets the acknowledgement with number and expected response time, replies thread back into the
same incident, and every status change reaches the customer by e-mail. Real dovecot, real
aiosmtpd, the real task worker, committed transactions."""

import io
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import Channel, Incident
from incidesk.incidents.status import Status
from incidesk.mail.models import InboundMessage, Outcome
from incidesk.mail.tests.conftest import DESK, corpus
from incidesk.sla.models import Metric
from incidesk.sla.promise import promise

pytestmark = pytest.mark.slow


def _reply_to(mail, body: str) -> bytes:
    """What a mail client sends when the customer presses Reply."""
    reply = EmailMessage()
    reply["From"] = "Иван Петров <ivan@example.ru>"
    reply["To"] = DESK
    reply["Subject"] = "Re: " + mail["Subject"].strip()
    reply["Message-ID"] = f"<reply-{abs(hash(body))}@example.ru>"
    reply["In-Reply-To"] = mail["Message-ID"]
    reply["References"] = f"{mail['References']} {mail['Message-ID']}"
    quoted = "\n".join(f"> {line}" for line in mail.get_body(("plain",)).get_content().splitlines())
    reply.set_content(f"{body}\n\nСлужба поддержки написал(а):\n{quoted}\n")
    return bytes(reply)


def _poll() -> None:
    call_command("email", "poll", stdout=io.StringIO())


def test_mail_in_incident_acknowledged_replies_threaded_status_changes_mailed(
    reference_data, imap, smtp, run_tasks
):
    imap.deliver(corpus("utf8_qp.eml"))
    _poll()
    incident = Incident.objects.get()
    customer = User.objects.get(email="ivan@example.ru")
    assert (incident.channel, incident.reporter, incident.title) == (
        Channel.EMAIL,
        customer,
        "Не печатает принтер",
    )
    run_tasks()
    (ack,) = smtp.to("ivan@example.ru")
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<utf8-qp@example.ru>"
    text = ack.get_body(("plain",)).get_content()
    assert incident.number in ack["Subject"] and incident.number in text
    assert promise(incident.sla_clocks.get(metric=Metric.RESPONSE), customer) in text

    imap.deliver(_reply_to(ack, "Модель HP LaserJet 400."))
    _poll()
    comment = incident.comments.get()
    assert (comment.author, comment.body) == (customer, "Модель HP LaserJet 400.")

    agent = AgentFactory(language="en")
    actions.do_accept(incident, actor=agent)
    actions.do_request_info(incident, actor=agent, message="Какой цвет у лампы?")
    run_tasks()
    question = smtp.to("ivan@example.ru")[-1]
    assert "Какой цвет у лампы?" in question.get_body(("plain",)).get_content()

    imap.deliver(_reply_to(question, "Оранжевый."))
    _poll()
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    actions.do_resolve(
        incident,
        actor=agent,
        cause=Cause.objects.get(code="hardware_failure"),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Заменили фьюзер.",
    )
    actions.do_close(incident, actor=agent)
    run_tasks()

    received = smtp.to("ivan@example.ru")
    subjects = [mail["Subject"].strip().split("] ", 1)[1].split(":")[0] for mail in received]
    assert subjects == [
        "Обращение зарегистрировано",
        "Взято в работу",
        "Нужна информация",
        "Решено",
        "Закрыто",
        "Оцените нашу работу",
    ]
    assert all(f"[{incident.number}]" in mail["Subject"] for mail in received)
    root = f"<{incident.number}@localhost>"
    assert all(mail["References"].split()[0] == root for mail in received)
    assert [c.body for c in incident.comments.order_by("id")] == [
        "Модель HP LaserJet 400.",
        "Какой цвет у лампы?",
        "Оранжевый.",
    ]
    assert (
        smtp.to(agent.email)[-1]["Subject"]
        .strip()
        .endswith("Customer replied: Не печатает принтер")
    )
    assert Incident.objects.count() == 1
    outcomes = InboundMessage.objects.filter(incident=incident).values_list("outcome", flat=True)
    assert sorted(outcomes) == [Outcome.COMMENT, Outcome.COMMENT, Outcome.INCIDENT]
