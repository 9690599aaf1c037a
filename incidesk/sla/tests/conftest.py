"""SLA tests run at chosen moments of a week in Moscow (November 2026: no holidays)."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

import pytest
import time_machine


@pytest.fixture
def when(django_capture_on_commit_callbacks) -> Callable[[datetime], AbstractContextManager]:
    """At a moment, with the transaction's on-commit work (notifications, checks) run."""

    @contextmanager
    def travel(moment: datetime) -> Iterator[None]:
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield

    return travel
