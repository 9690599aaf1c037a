"""E-mail intake survives crashes, database outages and several nodes: a stored message is
always decided once, the poller waits out an outage, and one node polls the mailbox at a time."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection
from django.utils import timezone

from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.core.tests.servers import free_port
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.mail import imap as polling
from incidesk.mail import inbound
from incidesk.mail.models import InboundMessage, MailboxLease, MailState, Outcome, OutgoingMail
from incidesk.mail.tests.conftest import corpus

RAW = corpus("utf8_qp.eml")


def _stdin(monkeypatch, raw: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))


def _database_down(*args, **kwargs):
    raise OperationalError("connection refused")


# --- a stored message is decided once -----------------------------------------------------


@pytest.mark.django_db
def test_a_redelivery_decides_a_message_stored_by_a_delivery_that_died(ivan):
    stored = inbound.store(RAW, source="stdin")  # the first delivery died right after this
    assert stored.outcome == Outcome.PENDING and not Incident.objects.exists()
    again = inbound.receive(RAW, source="stdin")
    assert (again.pk, again.outcome) == (stored.pk, Outcome.INCIDENT)
    assert inbound.receive(RAW, source="stdin").incident == again.incident
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_a_crash_while_deciding_rolls_back_and_leaves_the_message_pending(ivan, monkeypatch):
    monkeypatch.setattr(inbound, "_process", _database_down)
    with pytest.raises(OperationalError):
        inbound.receive(RAW, source="imap")
    assert InboundMessage.objects.get().outcome == Outcome.PENDING
    monkeypatch.undo()
    assert inbound.receive(RAW, source="imap").outcome == Outcome.INCIDENT


@pytest.mark.django_db
def test_the_sweep_decides_a_message_left_pending_and_only_an_old_one(ivan, run_tasks):
    message = inbound.store(RAW, source="stdin")
    assert inbound.sweep_pending() == 0  # still within its delivery's time
    run_tasks()  # the sweep enqueued with the message is not due yet
    message.refresh_from_db()
    assert message.outcome == Outcome.PENDING
    with time_machine.travel(timezone.now() + inbound.SWEEP_AFTER + timedelta(seconds=1)):
        run_tasks()
    message.refresh_from_db()
    assert message.outcome == Outcome.INCIDENT
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_decide_the_message_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE; row locks are PostgreSQL's")
    CustomerFactory(email="ivan@example.ru")
    inbound.store(RAW, source="stdin")
    decide, calls = inbound._process, []

    def slow(message, parsed):
        calls.append(message.pk)
        time.sleep(0.5)  # the second delivery arrives while the first decides
        return decide(message, parsed)

    monkeypatch.setattr(inbound, "_process", slow)
    outcomes = []

    def deliver() -> None:
        outcomes.append(inbound.receive(RAW, source="stdin").outcome)
        connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [Outcome.INCIDENT, Outcome.INCIDENT]
    assert len(calls) == 1
    assert Incident.objects.count() == 1


# --- what the MTA is told -----------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_answers_0_once_stored_even_when_deciding_failed(ivan, monkeypatch):
    monkeypatch.setattr(inbound, "_process", _database_down)
    _stdin(monkeypatch, RAW)
    out, err = io.StringIO(), io.StringIO()
    call_command("email", "ingest", stdout=out, stderr=err)  # no SystemExit: exit status 0
    assert out.getvalue().strip() == "pending -"
    assert "connection refused" in err.getvalue()
    assert InboundMessage.objects.get().outcome == Outcome.PENDING


@pytest.mark.django_db
def test_ingest_answers_tempfail_while_the_message_is_not_stored(monkeypatch):
    monkeypatch.setattr(InboundMessage.objects, "get_or_create", _database_down)
    _stdin(monkeypatch, RAW)
    with pytest.raises(SystemExit) as exit_status:
        call_command("email", "ingest", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_status.value.code == 75


def _incidesk(data_dir: Path, *args: str, stdin: bytes = b"", **env: str):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    clean.update(INCIDESK_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, *args], input=stdin, env=clean, capture_output=True, timeout=180
    )


CLI = ("-c", "from incidesk.cli import main; main()")
DIES_WHILE_DECIDING = """
import os, sys
import django
django.setup()
from django.core.management import call_command
from incidesk.mail import inbound
inbound._process = lambda message, parsed: os._exit(9)
call_command("email", "ingest")
"""


@pytest.mark.slow
def test_a_refusing_database_makes_ingest_answer_tempfail(tmp_path):
    dead = f"postgres://postgres@127.0.0.1:{free_port()}/incidesk"
    done = _incidesk(tmp_path, *CLI, "email", "ingest", stdin=RAW, DATABASE_URL=dead)
    assert done.returncode == 75, done.stderr.decode()


@pytest.mark.slow
def test_an_ingest_killed_while_deciding_is_decided_by_the_redelivery(migrated_data_dir):
    desk = migrated_data_dir
    env = {"DJANGO_SETTINGS_MODULE": "incidesk.settings"}
    died = _incidesk(desk, "-c", DIES_WHILE_DECIDING, stdin=RAW, **env)
    assert died.returncode == 9
    database = sqlite3.connect(desk / "incidesk.sqlite3")
    assert database.execute("SELECT outcome FROM mail_inboundmessage").fetchall() == [("pending",)]
    redelivered = _incidesk(desk, *CLI, "email", "ingest", stdin=RAW)
    assert redelivered.returncode == 0, redelivered.stderr.decode()
    assert redelivered.stdout.decode().startswith("incident ")
    assert _incidesk(desk, *CLI, "email", "ingest", stdin=RAW).returncode == 0
    assert database.execute("SELECT outcome FROM mail_inboundmessage").fetchall() == [("incident",)]
    assert database.execute("SELECT count(*) FROM incidents_incident").fetchone() == (1,)


# --- one poller across nodes --------------------------------------------------------------


@pytest.mark.django_db
def test_the_lease_has_one_holder_until_it_runs_out():
    assert polling.take_lease("node-a")
    assert not polling.take_lease("node-b")
    assert polling.take_lease("node-a")  # renewed
    with time_machine.travel(timezone.now() + polling.LEASE + timedelta(seconds=1)):
        assert polling.take_lease("node-b")  # node-a stopped renewing: it died
        assert not polling.take_lease("node-a")
    polling.release_lease("node-b")
    assert polling.take_lease("node-a")
    assert MailboxLease.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_pollers_one_polls_and_the_other_takes_over_when_it_dies(imap, monkeypatch):
    CustomerFactory(email="ivan@example.ru")
    monkeypatch.setattr(polling, "LEASE", timedelta(seconds=1))
    first, second = polling.Poller(60, "node-a"), polling.Poller(60, "node-b")
    imap.deliver(corpus("utf8_qp.eml"))
    first.turn()
    assert second.turn() == polling.TICK  # waits: node-a holds the mailbox
    assert imap.unseen() == [] and Incident.objects.count() == 1
    imap.deliver(corpus("raw_koi8r_headers.eml"))
    second.turn()
    assert len(imap.unseen()) == 1  # node-b did not poll
    time.sleep(1.2)  # node-a died: its lease runs out
    second.turn()
    assert imap.unseen() == [] and Incident.objects.count() == 2
    assert MailboxLease.objects.get().holder == "node-b"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_poller_waits_out_a_database_outage_and_resumes(imap, monkeypatch):
    CustomerFactory(email="ivan@example.ru")
    imap.deliver(corpus("utf8_qp.eml"))
    poller = polling.Poller(60, "node-a")
    monkeypatch.setattr(connection, "ensure_connection", _database_down)
    connection.close()
    assert [poller.turn() for _ in range(4)] == [1.0, 2.0, 4.0, 8.0]  # backs off, never raises
    monkeypatch.undo()
    assert poller.turn() <= polling.TICK
    assert imap.unseen() == []
    assert InboundMessage.objects.get().outcome == Outcome.INCIDENT


# --- retry pauses -------------------------------------------------------------------------


@pytest.mark.django_db
def test_mail_retry_pauses_come_from_the_settings(
    settings, smtp, run_tasks, django_capture_on_commit_callbacks
):
    settings.INCIDESK_MAIL_RETRY_MINUTES = (30,)
    smtp.refuse = 100
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_create_incident(actor=customer, title="Принтер")
    run_tasks()
    mail = OutgoingMail.objects.get(recipient=customer)
    assert (mail.state, mail.attempts) == (MailState.RETRYING, 1)
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        run_tasks()  # the default pauses would have retried after 1 minute
    mail.refresh_from_db()
    assert mail.attempts == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        run_tasks()
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.FAILED, 2)  # one pause, then failed
