"""Give the heap a heavy request freed back to the system.

CPython frees a report's or an export's objects when the request ends, but glibc's malloc keeps
the freed pages in its heap, so a web worker that served one heavy page stays, to the system,
near its peak until gunicorn recycles it (`WEB_MAX_REQUESTS`). After a request that left the
process `TRIM_STEP` larger than after the last trim, `malloc_trim(0)` hands the free pages back
(docs/performance.md, "Web worker memory"). Reading the resident size costs a few microseconds
a request; the trim runs only after the growth. Where there is no glibc or no /proc, nothing
is done.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from typing import Any

TRIM_STEP = 4 * 1024 * 1024
_STATM = "/proc/self/statm"


def resident_bytes() -> int | None:
    """This process's resident set size, or None where /proc is not there."""
    try:
        with open(_STATM, "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (AttributeError, OSError):
        return None


class Trimmer:
    """Trims the heap when the process has grown by `step` bytes since it last trimmed (or
    since it was smallest)."""

    def __init__(
        self,
        trim: Callable[[int], int] | None = None,
        resident: Callable[[], int | None] = resident_bytes,
        step: int = TRIM_STEP,
    ) -> None:
        self.trim = trim if trim is not None else _malloc_trim()
        self.resident = resident
        self.step = step
        self.baseline = resident() if self.trim else None

    def __call__(self, **_kwargs: Any) -> None:
        if self.trim is None or self.baseline is None:
            return
        size = self.resident()
        if size is None:
            return
        if size < self.baseline + self.step:
            self.baseline = min(self.baseline, size)
            return
        self.trim(0)
        self.baseline = self.resident() or size
