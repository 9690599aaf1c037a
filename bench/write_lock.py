"""How SQLite writers take turns: SQLite's busy handler against the kernel lock of
`incidesk.core.sqlite` (`core/writelock.py`), on a scratch database, without HTTP.

    .venv/bin/python bench/write_lock.py [--writers 4] [--transactions 300] \
        [--hold-ms 2] [--gap-ms 2] [--spin]

Each writer process runs `--transactions` write transactions (`BEGIN IMMEDIATE`, an INSERT,
`--hold-ms` of work with the lock held, COMMIT) with `--gap-ms` of work between them, as a web
worker does (the request's reading and computing, then the short write). "Work" is a sleep, so
the figures do not follow the machine's load; with `--spin` it is CPU (a busy loop), as in a
web worker, and the figures follow the load. The lock is free for part of the time whenever the
wall time exceeds writers × transactions × hold: that excess is writers sleeping in a back-off
while nobody writes. Prints, per engine, the wall time, transactions per second and the lock's
idle share.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
django.setup()

from django.db import connections, transaction  # noqa: E402
from django.db.utils import ConnectionHandler  # noqa: E402

ENGINES = {
    "SQLite busy handler": "django.db.backends.sqlite3",
    "kernel lock": "incidesk.core.sqlite",
}
ALIAS = "bench_write_lock"


def _work(ms: float, spin: bool) -> None:
    if not spin:
        time.sleep(ms / 1000)
        return
    until = time.thread_time() + ms / 1000
    while time.thread_time() < until:
        pass


def _writer(engine: str, path: str, args: argparse.Namespace, start: object) -> None:
    options = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
    }
    config = {"ENGINE": engine, "NAME": path, "OPTIONS": options}
    connections[ALIAS] = ConnectionHandler({"default": config, ALIAS: config})[ALIAS]
    start.wait()  # type: ignore[attr-defined]
    for i in range(args.transactions):
        _work(args.gap_ms, args.spin)
        with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
            cursor.execute("INSERT INTO t (writer, i) VALUES (%s, %s)", [os.getpid(), i])
            _work(args.hold_ms, args.spin)


def _run(engine: str, args: argparse.Namespace) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.sqlite3")
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, writer INTEGER, i INTEGER)")
        fork = multiprocessing.get_context("fork")
        start = fork.Event()
        writers = [
            fork.Process(target=_writer, args=(engine, path, args, start))
            for _ in range(args.writers)
        ]
        for writer in writers:
            writer.start()
        time.sleep(0.5)
        began = time.monotonic()
        start.set()
        for writer in writers:
            writer.join()
        wall = time.monotonic() - began
        if any(writer.exitcode for writer in writers):
            raise SystemExit(f"{engine}: a writer failed")
        return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--transactions", type=int, default=300)
    parser.add_argument("--hold-ms", type=float, default=2.0)
    parser.add_argument("--gap-ms", type=float, default=2.0)
    parser.add_argument("--spin", action="store_true", help="work on the CPU instead of sleeping")
    args = parser.parse_args()
    total = args.writers * args.transactions
    held = total * args.hold_ms / 1000
    print(
        f"{args.writers} writers × {args.transactions} transactions, {args.hold_ms:g} ms held, "
        f"{args.gap_ms:g} ms between{' (CPU)' if args.spin else ''}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print("| writers wait in | wall s | transactions/s | lock idle |")
    print("|---|---|---|---|")
    for name, engine in ENGINES.items():
        wall = _run(engine, args)
        print(f"| {name} | {wall:.2f} | {total / wall:.0f} | {max(0.0, 1 - held / wall):.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
