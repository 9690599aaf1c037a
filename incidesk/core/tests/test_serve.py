"""`incidesk serve`: gunicorn and the task worker under one supervisor, run as real processes
(marked slow) and checked for the commands it starts."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidesk.core.management.commands.serve import web_command, worker_command

START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Server:
    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.log = tmp_path / "serve.log"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(INCIDESK_DATA_DIR=str(tmp_path), WEB_CONCURRENCY="1")
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "incidesk"), "serve", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.children = self._wait_until_serving()

    def _wait_until_serving(self) -> dict[str, int]:
        """Until the API answers and the worker has started polling its queue."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            if "Starting worker" in self.output and self._answers():
                return {
                    name: int(pid)
                    for name, pid in re.findall(r"^(web|worker) pid (\d+)$", self.output, re.M)
                }
            time.sleep(0.3)
        pytest.fail(f"serve did not answer within {START_TIMEOUT} s:\n{self.output}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url("/api/v1/openapi.json"), timeout=5) as reply:
                return reply.status == 200
        except OSError:
            return False

    @property
    def output(self) -> str:
        return self.log.read_text()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in self.children.values():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def server(tmp_path) -> Iterator[Server]:
    server = Server(tmp_path)
    yield server
    server.stop()


@pytest.mark.slow
def test_sigterm_stops_web_server_and_worker(server):
    assert set(server.children) == {"web", "worker"}

    server.process.send_signal(signal.SIGTERM)

    assert server.process.wait(timeout=60) == 0
    assert not any(alive(pid) for pid in server.children.values())


@pytest.mark.slow
def test_when_the_worker_dies_the_web_server_is_stopped_too(server):
    os.kill(server.children["worker"], signal.SIGKILL)

    assert server.process.wait(timeout=60) != 0
    assert not alive(server.children["web"])


@pytest.mark.parametrize(
    ("redis_url", "expected"),
    [
        ("", ["db_worker", "--no-reload", "--queue-name", "default"]),
        (
            "redis://127.0.0.1:6379/0",
            ["rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", "default"],
        ),
    ],
)
def test_the_worker_matches_the_task_backend(settings, redis_url, expected):
    settings.REDIS_URL = redis_url

    assert worker_command()[3:] == expected


def test_web_concurrency_sets_the_gunicorn_workers(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")

    command = web_command("0.0.0.0", 9000)

    assert command[command.index("--workers") + 1] == "5"
    assert command[command.index("--bind") + 1] == "0.0.0.0:9000"
