"""`incidesk serve`: the whole production process tree in one command.

Migrates, collects static files, then runs gunicorn and the background task worker side by side
(`db_worker`, or the RQ worker when REDIS_URL is set). One supervisor so a small deployment needs
one systemd unit or container command; it forwards SIGINT/SIGTERM to both children and exits when
either of them dies, stopping the other, so the service manager sees the failure and restarts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext_lazy as _

STOP_TIMEOUT = 30  # seconds a child gets to finish its current request or task


class Command(BaseCommand):
    help = _("Run the web server and the background task worker (production).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-migrate",
            action="store_false",
            dest="migrate",
            help=_("Do not apply database migrations first."),
        )

    def handle(self, *args, host: str, port: int, migrate: bool, **options) -> None:
        if migrate:
            call_command("migrate", interactive=False, verbosity=1)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requested = False
        # Handlers first: a signal arriving between the two starts must not orphan a child.
        signal.signal(signal.SIGINT, self._forward)
        signal.signal(signal.SIGTERM, self._forward)
        self.children["web"] = self._start(web_command(host, port))
        self.children["worker"] = self._start(worker_command())
        if settings.IMAP_HOST:
            self.children["mail"] = self._start(mail_poller_command())
        for name, child in self.children.items():
            self.stdout.write(f"{name} pid {child.pid}")
        self.stdout.write(_("Serving on http://%(host)s:%(port)d/") % {"host": host, "port": port})
        self.stdout.flush()
        sys.exit(self._supervise())

    def _start(self, command: list[str]) -> subprocess.Popen:
        # A process group of its own: a terminal's Ctrl+C reaches the children only through us,
        # so each gets exactly one signal (a second one makes the task worker abort its task).
        return subprocess.Popen(command, process_group=0)

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = True
        self._signal_all(signum)

    def _signal_all(self, signum: int) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signum)

    def _supervise(self) -> int:
        """Wait until a signal arrives or a child exits; then stop the rest. Returns the exit
        status: 0 after a requested stop, else non-zero."""
        children = self.children.values()
        while not self.stop_requested and all(child.poll() is None for child in children):
            time.sleep(0.2)
        status = 0
        if not self.stop_requested:
            name, dead = next((n, c) for n, c in self.children.items() if c.poll() is not None)
            self.stderr.write(
                _("%(name)s exited with status %(code)d; stopping.")
                % {"name": name, "code": dead.returncode}
            )
            status = dead.returncode if dead.returncode > 0 else 1
            self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return status


def web_command(host: str, port: int) -> list[str]:
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    # No control socket: its default path is per user, so two instances would share it.
    return [
        *(sys.executable, "-m", "gunicorn", "incidesk.wsgi"),
        *("--bind", f"{host}:{port}", "--workers", workers, "--no-control-socket"),
        *("--access-logfile", "-", "--graceful-timeout", str(STOP_TIMEOUT - 5)),
    ]


def worker_command() -> list[str]:
    """The task worker for the configured backend. RQ needs django-tasks-rq's job class, and
    its scheduler for tasks that run later (auto-close)."""
    manage = [sys.executable, "-m", "incidesk.cli"]
    queues = settings.TASKS["default"]["QUEUES"]
    if settings.REDIS_URL:
        rq_options = ["--job-class", "django_tasks_rq.Job", "--with-scheduler"]
        return [*manage, "rqworker", *rq_options, *queues]
    return [*manage, "db_worker", "--no-reload", "--queue-name", ",".join(queues)]


def mail_poller_command() -> list[str]:
    """The desk mailbox's poller (only when IMAP_HOST is set): checks for new mail every
    minute; see the mail app in ARCHITECTURE.md for why a loop and not a self-scheduling task."""
    return [sys.executable, "-m", "incidesk.cli", "email", "poll", "--loop", "--interval", "60"]
