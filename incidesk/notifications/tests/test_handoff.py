"""Work a change promises is never lost: it is written in the change's transaction (so a
process dying right after the commit loses nothing, and a rollback promises nothing), and what a
killed worker had started is handed out again after its lease, the mail sent exactly once."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.core.promises import Promised, promise, promise_all, sweep
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.models import MailState, OutgoingMail
from incidesk.mail.tasks import send_outgoing_mail
from incidesk.notifications.tasks import deliver_notifications
from incidesk.sla.tasks import check_clock

ACK = "Обращение зарегистрировано"


def _subjects(smtp, person) -> list[str]:
    return [str(m["Subject"]).split("]")[1].split(":")[0].strip() for m in smtp.to(person.email)]


@pytest.fixture
def hooks_never_run(monkeypatch):
    """The process dies between the commit and the on-commit hooks: they never run."""
    monkeypatch.setattr(
        BaseDatabaseWrapper, "run_and_clear_commit_hooks", lambda self: self.run_on_commit.clear()
    )


def test_a_process_dying_right_after_the_commit_loses_no_mail(
    reference_data, smtp, run_tasks, hooks_never_run
):
    customer = CustomerFactory()
    actions.do_create_incident(actor=customer, title="Принтер не печатает")
    run_tasks()
    run_tasks()
    assert _subjects(smtp, customer) == [ACK]


def test_a_rolled_back_change_promises_nothing(reference_data, smtp, run_tasks):
    customer = CustomerFactory()
    tasks = DBTaskResult.objects.count()  # the seeded calendars' recomputations
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_create_incident(actor=customer, title="Принтер не печатает")
        assert DBTaskResult.objects.count() > tasks
        raise RuntimeError("the request failed after the action")
    assert DBTaskResult.objects.count() == tasks
    run_tasks()
    assert smtp.received == [] and not OutgoingMail.objects.exists()


def _mail_left_sending(customer, claimed_ago: timedelta) -> OutgoingMail:
    """The acknowledgement as a worker killed while sending it leaves it: the mail `sending`,
    its task RUNNING, both since `claimed_ago`."""
    incident = actions.do_create_incident(actor=customer, title="Принтер не печатает")
    deliver_notifications.call(list(incident.events.values_list("pk", flat=True)))
    mail = OutgoingMail.objects.get(recipient=customer)
    then = timezone.now() - claimed_ago
    sending = DBTaskResult.objects.filter(task_path=send_outgoing_mail.module_path)
    assert sending.update(status="RUNNING", started_at=then, worker_ids=["killed"]) == 1
    OutgoingMail.objects.filter(pk=mail.pk).update(
        state=MailState.SENDING, claimed_at=then, attempts=1
    )
    return mail


def test_work_a_killed_worker_left_is_done_again_after_the_lease_once(
    reference_data, smtp, run_tasks, settings
):
    settings.INCIDESK_TASK_LEASE = 600
    customer = CustomerFactory()
    mail = _mail_left_sending(customer, timedelta(minutes=11))
    done = sweep()
    assert (done["release_abandoned_tasks"], done["release_abandoned"]) == (1, 1)
    run_tasks()
    assert sweep() == {
        "relay_overdue": 0,
        "release_abandoned_tasks": 0,
        "release_abandoned": 0,
        "promise_run": 0,
        "delete_past_windows": 0,
    }
    run_tasks()
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.SENT, 2)
    (sent,) = smtp.to(customer.email)
    assert sent["Message-ID"] == mail.message_id  # sent again under the same id
    assert not DBTaskResult.objects.running().exists()


def test_work_within_its_lease_is_left_alone(reference_data, smtp, run_tasks, settings):
    settings.INCIDESK_TASK_LEASE = 600
    customer = CustomerFactory()
    mail = _mail_left_sending(customer, timedelta(minutes=9))
    assert sweep() == {
        "relay_overdue": 0,
        "release_abandoned_tasks": 0,
        "release_abandoned": 0,
        "promise_run": 0,
        "delete_past_windows": 0,
    }
    run_tasks()
    mail.refresh_from_db()
    assert mail.state == MailState.SENDING and smtp.received == []


def test_a_reminder_task_run_twice_reminds_once(db):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    actions.do_request_info(incident, actor=agent, message="Пришлите фото ошибки")
    incident.refresh_from_db()
    assert incident.answer_by is not None
    token = incident.answer_by.isoformat()
    actions.do_remind_info_request(incident.pk, token)
    actions.do_remind_info_request(incident.pk, token)
    assert incident.events.filter(kind=EventKind.INFO_REMINDER).count() == 1


def test_promises_made_together_are_the_rows_made_one_by_one(db):
    """`promise_all` (one INSERT, as registration uses it) writes what `promise` writes."""
    later = timezone.now() + timedelta(hours=1)
    work = [Promised(deliver_notifications, ([1, 2],)), Promised(check_clock, (7, "x"), later)]
    fields = ("args_kwargs", "priority", "task_path", "queue_name", "run_after", "backend_name")
    paths = [p.task.module_path for p in work]

    def rows() -> list[dict]:
        made = DBTaskResult.objects.filter(task_path__in=paths)
        return list(made.order_by("task_path").values("status", *fields))

    for p in work:
        promise(p.task, *p.args, run_after=p.run_after)
    one_by_one = rows()
    DBTaskResult.objects.filter(task_path__in=paths).delete()
    promise_all(work)
    assert rows() == one_by_one
    assert len(one_by_one) == 2
