"""One scheduler across nodes, taken over within seconds when its node dies.

Every `incidesk worker` runs a `Scheduler` in threads beside the queue's worker. The timed work
is of two kinds:

- Periodic work: the recovery sweep (`promises.SWEEPS`, the one registry of work done every N
  seconds). Each worker sleeps until `PeriodicRun.due_at`, then asks `claim()`; the one whose
  conditional UPDATE moves `due_at` forward runs it, the others read the new `due_at` and sleep
  until then. So it runs once per interval however many nodes there are, an idle worker touches
  the database only then, and a dead node's turn falls to whichever worker wakes next: no
  leader to elect.
- Delayed jobs on RQ (`promise(..., run_after=...)`): RQ keeps them in its scheduled registry
  until a scheduler moves them to the queue. RQ's own (`rqworker --with-scheduler`) holds a lock
  that outlives a dead holder by 61 s, and the other workers try to take it only in their
  maintenance pass, which an idle worker runs every 13.5 minutes (10 minutes, rounded up to
  its 405 s waits for a job): delayed work could stall for up to 14 minutes after the
  scheduling node died. Here every worker tries each second to hold a lock of its own that
  lives `SCHEDULER_LOCK_TTL` seconds after its last renewal; the holder moves the due jobs each
  second with RQ's own `RQScheduler`. A surviving node takes over within TTL + 1 s.

On the database queue a delayed task is a row with `run_after`, and every worker takes any
ready row once it is due (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's write lock),
so there is nothing to elect: a dead node's delayed tasks are simply run by the others.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from redis import Redis

from incidesk.core.models import PeriodicRun
from incidesk.core.promises import sweep

logger = logging.getLogger(__name__)

# A fork (RQ's work-horse) waits while a turn is inside SQLite, psycopg or a Redis client: the
# child would inherit their locks held and hang on them (`incidesk worker` registers it).
FORK_GUARD = threading.Lock()
TICK = 1.0  # seconds between turns: how late a delayed RQ job may start
RETRY = 5.0  # seconds before a failed turn (the database or Redis away) is tried again
SOONEST = 1.0  # seconds a worker sleeps at least between claims (clocks of nodes differ)
SWEEP = "recovery-sweep"
SCHEDULER_LOCK = "incidesk:rq-scheduler:%s"  # per queue, holding the holder's name
SCHEDULER_LOCK_TTL = 10  # seconds the lock outlives its holder's last renewal (every TICK)

# Take the lock when it is free, renew it when it is ours: 1 if held now, 0 if another holds it.
HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
    return 1
elseif not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
    return 1
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def claim(name: str, every: timedelta) -> bool:
    """True for one caller per `every` across all nodes: the one that moves the work's due
    time forward. A node that dies after claiming loses that one turn, not the next."""
    now = timezone.now()
    PeriodicRun.objects.get_or_create(name=name, defaults={"due_at": now})
    moved = PeriodicRun.objects.filter(name=name, due_at__lte=now).update(due_at=now + every)
    return moved == 1


def due_in(name: str) -> float:
    """Seconds until the periodic work is due again, as the last claim set it."""
    due = PeriodicRun.objects.filter(name=name).values_list("due_at", flat=True).first()
    return 0.0 if due is None else (due - timezone.now()).total_seconds()


def holder_name() -> str:
    """This worker as named in the lock: host and process, so one can tell who schedules."""
    return f"{socket.gethostname()}:{os.getpid()}"


class DelayedJobs:
    """One worker's bid to be RQ's scheduler: it holds the lock of each of its queues that it
    can, and moves the due jobs of those queues into them."""

    def __init__(
        self, queues: Iterable[str], client: Redis, holder: str, ttl: int = SCHEDULER_LOCK_TTL
    ) -> None:
        from rq.scheduler import RQScheduler

        self.queues, self.holder, self.ttl = sorted(queues), holder, ttl
        self._hold = client.register_script(HOLD)
        self._release = client.register_script(RELEASE)
        self.scheduler = RQScheduler(self.queues, connection=client)
        self.held: list[str] = []

    def turn(self) -> list[str]:
        """Take or renew the locks, then enqueue the due jobs of the queues held; returns them."""
        held = [
            name
            for name in self.queues
            if self._hold(keys=[SCHEDULER_LOCK % name], args=[self.holder, self.ttl])
        ]
        if held != self.held:
            logger.info("RQ scheduler: %s schedules the delayed jobs of %s", self.holder, held)
            self.held = held
        if held:
            self.scheduler.prepare_registries(held)
            self.scheduler.enqueue_scheduled_jobs()  # type: ignore[no-untyped-call]  # rq's own, unannotated
        return held

    def release(self) -> None:
        """Give the locks up at once (a clean stop), so another node need not wait them out."""
        for name in self.held:
            self._release(keys=[SCHEDULER_LOCK % name], args=[self.holder])
        self.held = []


def every_tick(step: Callable[[], object]) -> Callable[[], float]:
    """`step` as a turn that comes again in a TICK (RQ's delayed jobs)."""

    def turn() -> float:
        step()
        return TICK

    return turn


class Scheduler:
    """The timed work of one worker process, each kind in a thread of its own, so that a slow
    sweep (the database away) never holds up the delayed jobs."""

    def __init__(self, queues: Iterable[str], sweep_every: float) -> None:
        self.sweep_every = timedelta(seconds=sweep_every)
        self.delayed: DelayedJobs | None = None
        if settings.REDIS_URL:
            # A client of its own: the work-horse RQ forks never touches it.
            client = Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
            self.delayed = DelayedJobs(queues, client, holder_name())
        self.stopping = threading.Event()
        self.failing: set[str] = set()

    def start(self) -> None:
        """Start the threads: the periodic claim, and on RQ the bid to schedule delayed jobs."""
        loops: list[tuple[str, Callable[[], float]]] = [("recovery sweep", self.sweep_turn)]
        if self.delayed is not None:
            loops.append(("scheduling delayed jobs", every_tick(self.delayed.turn)))
        for loop in loops:
            threading.Thread(target=self._every, args=loop, daemon=True).start()

    def stop(self) -> None:
        """Stop both threads and give the scheduler lock up, so another node takes over at once."""
        with FORK_GUARD:
            self.stopping.set()
            if self.delayed is not None:
                self._guarded("releasing the scheduler lock", every_tick(self.delayed.release))

    def periodic_turn(self) -> bool:
        """Sweep if this worker wins this interval's claim; True if it swept."""
        if not claim(SWEEP, self.sweep_every):
            return False
        done = sweep()
        if any(done.values()):
            logger.warning("recovery sweep handed out again: %s", done)
        return True

    def sweep_turn(self) -> float:
        """Claim and maybe sweep; returns the seconds until the next sweep is due. The thread's
        connection is kept between turns (one a minute; checked before reuse) unless it failed,
        or RQ forks this process: a child must not inherit a connection another thread holds."""
        try:
            self.periodic_turn()
            wait = due_in(SWEEP)
        except Exception:
            connection.close()
            raise
        if self.delayed is not None:
            connection.close()
        else:
            connection.close_if_unusable_or_obsolete()
        return min(max(wait, SOONEST), self.sweep_every.total_seconds())

    def _every(self, what: str, step: Callable[[], float]) -> None:
        while True:
            with FORK_GUARD:
                if self.stopping.is_set():
                    return
                wait = self._guarded(what, step)
            self.stopping.wait(wait)

    def _guarded(self, what: str, step: Callable[[], float]) -> float:
        """The step's wait for its next turn. A failure (the database or Redis away) is logged
        once and tried again after RETRY seconds; the recovery is logged too."""
        try:
            wait = step()
        except Exception:
            if what not in self.failing:
                logger.exception("%s failed; the next turn tries again", what)
                self.failing.add(what)
            return RETRY
        if what in self.failing:
            logger.warning("%s works again", what)
            self.failing.discard(what)
        return wait
