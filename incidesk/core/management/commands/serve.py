"""`incidesk serve`: the production process tree in one command.

Migrates (under a lock, so several nodes may start at once), collects static files, then runs
gunicorn and the background task worker side by side (`incidesk worker`: `db_worker`, or the RQ
worker when REDIS_URL is set, plus the recovery sweep), plus the IMAP poller with the worker when
IMAP_HOST is set. `--web` or `--worker` runs one part only, for nodes that do one job. The
supervisor forwards SIGINT/SIGTERM to every child, and restarts a child that dies (after 1, 2, 4 …
30 s) instead of stopping the others: a killed worker or a worker that gave up during a database
outage must not take the web server down with it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidesk.core.management.base import IncideskCommand

STOP_TIMEOUT = 30  # seconds a child gets to finish its current request or task
# A request may wait 30 s for SQLite's write lock (busy timeout); gunicorn must not kill it first.
REQUEST_TIMEOUT = 60
RESTART_DELAY_MAX = 30  # seconds between restarts of a child that keeps dying
STABLE_AFTER = 60  # a child that ran this long starts again from the shortest delay
MIGRATION_LOCK = 7_402_113  # PostgreSQL advisory lock key: "migrations of this database"


@dataclass
class Child:
    """One supervised process and when it may be started again."""

    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = field(default=None)


class Command(IncideskCommand):
    help = gettext_noop("Run the web server and the background task worker (production).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-migrate",
            action="store_false",
            dest="migrate",
            help=_("Do not apply database migrations first."),
        )
        parser.add_argument("--web", action="store_true", help=_("Run only the web server."))
        parser.add_argument(
            "--worker",
            action="store_true",
            help=_("Run only the task worker (and the IMAP poller if configured)."),
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        migrate: bool,
        web: bool,
        worker: bool,
        **options: Any,
    ) -> None:
        require_shared_secret()
        both = web == worker
        if web or both:
            require_free_port(host, port)
        warning = local_outbox_warning(connection.vendor)
        if warning:
            self.stderr.write(warning)
        if migrate:
            with migration_lock():
                call_command("migrate", interactive=False, verbosity=1)
        self.children: list[Child] = []
        if web or both:
            call_command("collectstatic", interactive=False, verbosity=0)
            self.children.append(Child("web", web_command(host, port)))
        if worker or both:
            self.children.append(Child("worker", worker_command()))
            if settings.IMAP_HOST:
                self.children.append(Child("mail", mail_poller_command()))
        self.stop_requested = False
        # Handlers first: a signal arriving between the starts must not orphan a child.
        signal.signal(signal.SIGINT, self._forward)
        signal.signal(signal.SIGTERM, self._forward)
        for child in self.children:
            self._start(child)
        if web or both:
            self.stdout.write(
                _("Serving on http://%(host)s:%(port)d/") % {"host": host, "port": port}
            )
        self.stdout.flush()
        sys.exit(self._supervise())

    def _start(self, child: Child) -> None:
        # A process group of its own: a terminal's Ctrl+C reaches the children only through us,
        # so each gets exactly one signal (a second one makes the task worker abort its task).
        child.process = subprocess.Popen(child.command, process_group=0)  # noqa: S603 (our own commands)
        child.started_at, child.restart_at = time.monotonic(), None
        self.stdout.write(f"{child.name} pid {child.process.pid}")
        self.stdout.flush()

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = True
        self._signal_all(signum)

    def _signal_all(self, signum: int) -> None:
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signum)

    def _supervise(self) -> int:
        """Restart children that die until a signal arrives; then wait for all to stop."""
        while not self.stop_requested:
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is not None:
                    if now >= child.restart_at and not self.stop_requested:
                        self._start(child)
                elif child.process is not None and child.process.poll() is not None:
                    self._schedule_restart(child, child.process.returncode, now)
            time.sleep(0.2)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        return 0

    def _schedule_restart(self, child: Child, code: int, now: float) -> None:
        if now - child.started_at >= STABLE_AFTER:
            child.quick_failures = 0
        delay = min(2**child.quick_failures, RESTART_DELAY_MAX)
        child.quick_failures += 1
        child.restart_at = now + delay
        self.stderr.write(
            _("%(name)s exited with status %(code)d; restarting in %(delay)d s.")
            % {"name": child.name, "code": code, "delay": delay}
        )
        self.stderr.flush()


def require_shared_secret() -> None:
    """A shared database means possibly several nodes, and they must sign sessions, CSRF tokens
    and reset links with one key: a key generated into one node's data folder would break them."""
    if connection.vendor != "sqlite" and not os.environ.get("SECRET_KEY"):
        raise CommandError(
            _(
                "SECRET_KEY must be set when the database is shared (%(vendor)s): every node "
                "needs the same key."
            )
            % {"vendor": connection.vendor}
        )


def require_free_port(host: str, port: int) -> None:
    """Say plainly that the address is taken, before anything starts: otherwise the supervisor
    announces the server, then gunicorn fails and is restarted again and again. Bound the way
    gunicorn binds (SO_REUSEADDR), so a port left in TIME_WAIT counts as free, as it is for it."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            message = _(
                "Port %(port)d on %(host)s is already in use: another program (perhaps another "
                "Incidesk) listens there. Stop it, or choose another port with --port."
            )
        elif error.errno == errno.EACCES:
            message = _(
                "You may not open port %(port)d on %(host)s: ports below 1024 need administrator "
                "rights. Choose another port with --port."
            )
        else:
            message = _("Cannot listen on %(host)s, port %(port)d: %(error)s.")
        raise CommandError(
            message % {"host": host, "port": port, "error": error.strerror or error}
        ) from None


def local_outbox_warning(vendor: str) -> str | None:
    """With no EMAIL_HOST mail goes to files in this node's data folder. With a shared database
    there may be several nodes, each with a folder of its own that nobody reads: said at every
    start rather than refused, since one node on PostgreSQL with a local outbox is a fair trial."""
    if vendor == "sqlite" or settings.EMAIL_HOST:
        return None
    return _(
        "EMAIL_HOST is not set: e-mail is not sent but written to this node's folder "
        "%(folder)s, and with several nodes each one keeps its own. Set EMAIL_HOST to send it."
    ) % {"folder": settings.EMAIL_FILE_PATH}


@contextmanager
def migration_lock() -> Iterator[None]:
    """Only one node migrates at a time; the others wait, then find nothing left to do.
    PostgreSQL: a session advisory lock; SQLite: a lock file beside the database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
            try:
                yield
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
        return
    with open(settings.DATA_DIR / "migrate.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def web_command(host: str, port: int) -> list[str]:
    """gunicorn for the desk. No control socket: its default path is per user, so two instances
    would share it. Workers are recycled after `WEB_MAX_REQUESTS` requests (jittered, so not all
    at once): a worker that served the few pages loading numpy, scikit-learn and friends (the
    recurring groups, charts, exports) gives that memory back instead of keeping it for good."""
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
    return [
        *(sys.executable, "-m", "gunicorn", "incidesk.wsgi"),
        *("--bind", f"{host}:{port}", "--workers", workers, "--no-control-socket"),
        *("--timeout", str(REQUEST_TIMEOUT)),
        *("--max-requests", str(max_requests), "--max-requests-jitter", str(max_requests // 10)),
        *("--access-logfile", "-", "--graceful-timeout", str(STOP_TIMEOUT - 5)),
    ]


def worker_command() -> list[str]:
    """The task worker for the configured backend with the recovery sweep (`incidesk worker`)."""
    return [sys.executable, "-m", "incidesk.cli", "worker", *settings.TASKS["default"]["QUEUES"]]


def mail_poller_command() -> list[str]:
    """The desk mailbox's poller (only when IMAP_HOST is set): checks for new mail every
    minute; see the mail app in ARCHITECTURE.md for why a loop and not a self-scheduling task."""
    return [sys.executable, "-m", "incidesk.cli", "email", "poll", "--loop", "--interval", "60"]
