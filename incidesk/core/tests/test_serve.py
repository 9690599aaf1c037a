"""`incidesk serve`: gunicorn and the task worker under one supervisor, run as real processes
(marked slow) and checked for the commands it starts."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidesk.core.management.commands.serve import (
    local_outbox_warning,
    web_command,
    worker_command,
)
from incidesk.core.management.commands.worker import rq_worker
from incidesk.core.tests.servers import free_port

START_TIMEOUT = 90
WORKER_READY = ("Starting worker", "Listening on")  # db_worker's and RQ's first words


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Server:
    """`incidesk serve` started as a real process on a free port (`wait()` until it serves);
    SQLite in `data_dir` unless `env` names another database."""

    def __init__(self, data_dir: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        self.runs_web, self.runs_worker = "--worker" not in args, "--web" not in args
        self.log = data_dir / f"serve-{self.port}.log"
        clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        clean.update(INCIDESK_DATA_DIR=str(data_dir), WEB_CONCURRENCY="1", **env)
        self.data_dir, self.env = data_dir, clean
        command = [str(Path(sys.executable).parent / "incidesk"), "serve", "--port", str(self.port)]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [*command, *args], env=clean, stdout=log, stderr=subprocess.STDOUT
            )
        self.children: dict[str, int] = {}

    def wait(self) -> "Server":
        """Until the API answers and the worker has started polling its queue."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            worker_ready = not self.runs_worker or any(m in self.output for m in WORKER_READY)
            if worker_ready and (not self.runs_web or self.answers()):
                self.children = self.pids()
                return self
            time.sleep(0.3)
        pytest.fail(f"serve did not answer within {START_TIMEOUT} s:\n{self.output}")

    def pids(self) -> dict[str, int]:
        """The latest pid of each child (a restarted child prints its new one)."""
        return {
            name: int(pid)
            for name, pid in re.findall(r"^(web|worker) pid (\d+)$", self.output, re.M)
        }

    def status(self, path: str, **headers: str) -> int:
        """The HTTP status of a GET, or 0 if nothing answered."""
        request = urllib.request.Request(self.url(path), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def answers(self) -> bool:
        return self.status("/api/v1/openapi.json") == 200

    @property
    def output(self) -> str:
        return self.log.read_text()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in self.pids().values():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def server(migrated_data_dir) -> Iterator[Server]:
    """A server over a desk migrated already (`migrate` at start-up finds nothing to do);
    `test_web_and_worker_run_apart` starts from an empty data folder."""
    server = Server(migrated_data_dir).wait()
    yield server
    server.stop()


@pytest.mark.slow
def test_sigterm_stops_web_server_and_worker(server):
    assert set(server.children) == {"web", "worker"}

    server.process.send_signal(signal.SIGTERM)

    assert server.process.wait(timeout=60) == 0
    assert not any(alive(pid) for pid in server.children.values())


@pytest.mark.slow
def test_a_killed_worker_is_restarted_and_the_web_server_stays_up(server):
    old_worker = server.children["worker"]

    os.kill(old_worker, signal.SIGKILL)

    deadline = time.monotonic() + 60
    while server.pids()["worker"] == old_worker:
        assert time.monotonic() < deadline, server.output
        assert server.answers()
        time.sleep(0.3)
    assert server.process.poll() is None
    assert server.pids()["web"] == server.children["web"]
    assert alive(server.pids()["worker"])
    assert "worker завершился с кодом -9; перезапуск через 1 с." in server.output


@pytest.mark.slow
def test_web_and_worker_run_apart(tmp_path):
    web = Server(tmp_path, "--web").wait()
    try:
        assert set(web.pids()) == {"web"}
    finally:
        web.stop()


def test_the_worker_matches_the_task_backend(settings):
    """On RQ, RQ's worker with django-tasks-rq's jobs; the database queue's worker is
    `core.taskworker` (test_taskworker.py)."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    assert worker_command()[3:] == ["worker", "default"]
    assert rq_worker(["default"]) == ["rqworker", "--job-class", "django_tasks_rq.Job", "default"]


def test_a_local_outbox_on_a_shared_database_is_warned_about(settings, tmp_path):
    """Each node would keep its own mail folder: said at start-up, in the desk's language."""
    settings.EMAIL_HOST, settings.EMAIL_FILE_PATH = "", tmp_path / "outbox"

    warning = local_outbox_warning("postgresql")

    assert warning is not None
    assert warning.startswith("EMAIL_HOST не задан")
    assert str(tmp_path / "outbox") in warning
    assert local_outbox_warning("sqlite") is None  # one node: its outbox is the outbox
    settings.EMAIL_HOST = "smtp.example.com"
    assert local_outbox_warning("postgresql") is None


def test_web_concurrency_sets_the_gunicorn_workers(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")

    command = web_command("0.0.0.0", 9000)

    assert command[command.index("--workers") + 1] == "5"
    assert command[command.index("--bind") + 1] == "0.0.0.0:9000"


def test_web_workers_are_recycled_after_a_jittered_number_of_requests(monkeypatch):
    """A worker that loaded the heavy libraries of a few pages gives the memory back in time."""
    monkeypatch.setenv("WEB_MAX_REQUESTS", "1000")

    command = web_command("127.0.0.1", 8000)

    assert command[command.index("--max-requests") + 1] == "1000"
    assert command[command.index("--max-requests-jitter") + 1] == "100"
