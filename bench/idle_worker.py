"""What an idle task worker costs: CPU of `incidesk worker` over a quiet minute.

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/idle_worker.py [SECONDS] [-- WORKER ARGS]

Starts `incidesk worker` (the database queue's `db_worker` and the scheduler threads) on the
configured database, which must have no tasks due (a fresh `incidesk migrate` has none), lets
it settle for twenty seconds (imports, the first sweep), then reads the user + system CPU time
of its process over SECONDS (60) from `/proc/<pid>/stat` and prints it in ms and per cent of
one core. Set `INCIDESK_WORKER_POLL_SECONDS` to try another poll interval. Linux only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
SETTLE_SECONDS = 20


def cpu_seconds(pid: int) -> float:
    """User + system time of the process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    seconds = float(next((a for a in sys.argv[1:] if a.replace(".", "").isdigit()), "60"))
    extra = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(  # noqa: S603  our own command
        [sys.executable, "-m", "incidesk.cli", "worker", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(SETTLE_SECONDS)
        before, started = cpu_seconds(worker.pid), time.monotonic()
        time.sleep(seconds)
        used, wall = cpu_seconds(worker.pid) - before, time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(30)
    poll = os.environ.get("INCIDESK_WORKER_POLL_SECONDS", "default")
    print(
        f"idle worker (poll {poll}): {used * 1000:.0f} ms CPU in {wall:.0f} s = "
        f"{100 * used / wall:.3f} % of a core; load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
