"""The heap a heavy request freed goes back to the system after the request."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from django.core.signals import request_finished

from incidesk.core.memory import Trimmer, resident_bytes

MIB = 1024 * 1024

pytestmark = pytest.mark.skipif(resident_bytes() is None, reason="needs /proc")


def test_a_process_that_freed_a_heavy_requests_memory_is_given_it_back():
    # Objects over 512 bytes come from malloc's heap; one kept at the end pins the heap's top,
    # so freeing the rest leaves the pages with the process until they are trimmed.
    script = textwrap.dedent(
        """
        from incidesk.core.memory import Trimmer, resident_bytes
        trimmer = Trimmer()
        assert trimmer.trim is not None, "glibc's malloc_trim"
        heavy = [bytes(1000) for _ in range(150_000)]
        pinned = bytes(1000)
        del heavy
        before = resident_bytes()
        trimmer()
        print(before, resident_bytes())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    before, after = map(int, done.stdout.split())
    assert before - after > 100 * MIB


class Calls:
    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes
        self.trims = 0

    def resident(self) -> int:
        return self.sizes.pop(0)

    def trim(self, pad: int) -> int:
        self.trims += 1
        return 1


def test_it_trims_only_after_the_process_grew_by_a_step_since_it_last_trimmed():
    calls = Calls([100 * MIB, 103 * MIB, 99 * MIB, 104 * MIB, 97 * MIB, 98 * MIB])
    trimmer = Trimmer(trim=calls.trim, resident=calls.resident, step=4 * MIB)

    trimmer()  # 103: grew by 3 of 100
    assert calls.trims == 0
    trimmer()  # 99: smaller, the new baseline
    trimmer()  # 104: grew by 5 of 99 -> trimmed, down to 97
    assert calls.trims == 1
    assert trimmer.baseline == 97 * MIB
    trimmer()  # 98
    assert calls.trims == 1


def test_every_finished_request_is_offered_to_the_trimmer():
    sync_receivers, _async_receivers = request_finished._live_receivers(None)
    assert any(isinstance(receiver, Trimmer) for receiver in sync_receivers)
