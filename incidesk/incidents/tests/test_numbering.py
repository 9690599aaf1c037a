"""Incident numbers stay unique when several processes register at once (PostgreSQL, and
SQLite with its file-level write lock)."""

import multiprocessing
import os
import sqlite3
import subprocess
import sys

import pytest
from django.db import connection, connections, transaction

from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.incidents.actions import do_create_incident
from incidesk.incidents.models import Incident, NumberCounter

PROCESSES = 4
PER_PROCESS = 15


def _register(customer_id: int, barrier) -> None:
    from incidesk.accounts.models import User
    from incidesk.incidents.actions import do_create_incident

    connections.close_all()
    customer = User.objects.get(pk=customer_id)
    barrier.wait()
    for i in range(PER_PROCESS):
        do_create_incident(actor=customer, title=f"Параллельное обращение {i}")
    connections.close_all()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_unique_gap_free_numbers(reference_data):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("an in-memory SQLite database cannot be shared between processes")
    customer = CustomerFactory()
    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=_register, args=(customer.pk, barrier)) for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == PROCESSES * PER_PROCESS
    values = [int(n.removeprefix("INC-")) for n in numbers]
    assert values == list(range(values[0], values[0] + len(values)))


REGISTER_SCRIPT = """
from incidesk.accounts.models import User
from incidesk.incidents.actions import do_create_incident
customer = User.objects.get(email="c@example.com")
for i in range({count}):
    do_create_incident(actor=customer, title=f"Параллельное обращение {{i}}")
"""


@pytest.mark.slow
def test_concurrent_processes_share_one_sqlite_file(migrated_data_dir):
    """Several processes (web workers, task worker) writing one WAL file wait for each other
    instead of failing with "database is locked", and never share a number."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite file behaviour")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["INCIDESK_DATA_DIR"] = str(migrated_data_dir)
    incidesk = [sys.executable, "-m", "incidesk.cli"]
    subprocess.run(
        [
            *incidesk,
            "shell",
            "-c",
            "from incidesk.accounts.models import User; "
            "User.objects.create_user('c@example.com', role='customer')",
        ],
        env=env,
        check=True,
    )
    script = REGISTER_SCRIPT.format(count=PER_PROCESS)
    workers = [
        subprocess.Popen([*incidesk, "shell", "-c", script], env=env, stderr=subprocess.PIPE)
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    with sqlite3.connect(migrated_data_dir / "incidesk.sqlite3") as db:
        numbers = [row[0] for row in db.execute("SELECT number FROM incidents_incident")]
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert len(numbers) == len(set(numbers)) == PROCESSES * PER_PROCESS


@pytest.mark.django_db
def test_a_rolled_back_registration_gives_its_number_back():
    """The number is taken inside the registration's transaction (last, on PostgreSQL): a
    registration rolled back after taking it leaves no gap, and no placeholder survives."""
    customer = CustomerFactory()
    first = do_create_incident(actor=customer, title="Первое обращение")
    with pytest.raises(RuntimeError), transaction.atomic():
        do_create_incident(actor=customer, title="Обращение, которое откатится")
        raise RuntimeError("the request failed after the action")
    second = do_create_incident(actor=customer, title="Второе обращение")
    assert int(second.number.removeprefix("INC-")) == int(first.number.removeprefix("INC-")) + 1
    assert sorted(Incident.objects.values_list("number", flat=True)) == [
        first.number,
        second.number,
    ]
    assert second.search_document.body.startswith(second.number)


@pytest.mark.django_db
def test_the_first_incident_of_a_desk_starts_the_counter():
    NumberCounter.objects.all().delete()
    incident = do_create_incident(actor=CustomerFactory(), title="Первое обращение")
    assert incident.number == "INC-000001"
    assert Incident.objects.get(pk=incident.pk).number == "INC-000001"
    assert NumberCounter.objects.get(prefix="INC").last == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("last", "number"), [(41, "INC-000042"), (999_999, "INC-1000000")])
def test_a_number_has_six_digits_or_as_many_as_it_needs(last, number):
    """PostgreSQL writes the number in SQL, SQLite in Python: both the same way."""
    NumberCounter.objects.update_or_create(prefix="INC", defaults={"last": last})
    incident = do_create_incident(actor=CustomerFactory(), title="Обращение")
    assert incident.number == number
    assert Incident.objects.get(pk=incident.pk).number == number
    assert incident.search_document.body.startswith(number + "\n")
