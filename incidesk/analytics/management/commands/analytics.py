"""`incidesk analytics rebuild`: recreate the per-incident KPI facts from the incidents, their
SLA clocks and timelines (after a bulk import, or a retroactive calendar edit)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext_noop

from incidesk.analytics import facts
from incidesk.core.management.base import IncideskCommand


class Command(IncideskCommand):
    help = gettext_noop(
        "Recount the report facts: `rebuild` of every incident, `sync` of the changed ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "sync"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        started = time.monotonic()
        done = facts.rebuild() if action == "rebuild" else facts.sync()
        elapsed = time.monotonic() - started
        self.stdout.write(f"{done} incidents counted in {elapsed:.1f} s")
