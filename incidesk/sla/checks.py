"""System check sla.W001: a business calendar has no holidays or transfers for next year.

It queries the database, so it is tagged `database` and, like Django's own database checks, runs
only when a database is named: on every `migrate` and with `check --database default` (cron or
monitoring). The calendars' admin list shows the same warning live.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.sla.models import BusinessCalendar
from incidesk.sla.russia import missing_next_year


def calendars_missing_next_year(using: str = "default") -> list[BusinessCalendar]:
    """Active calendars that lack next year's exceptions (see `russia.missing_next_year`)."""
    today = timezone.localdate()
    calendars = BusinessCalendar.objects.using(using).filter(is_active=True, always_open=False)
    return [calendar for calendar in calendars if missing_next_year(calendar, today)]


def missing_year_message(calendar: BusinessCalendar) -> str:
    return _(
        "Business calendar “%(calendar)s” has no holidays or transfers for %(year)s yet. "
        "Add them (the Russian production calendar can be seeded from the holidays package)."
    ) % {"calendar": calendar.name, "year": timezone.localdate().year + 1}


@register(Tags.database)
def check_next_year(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    if not databases:
        return []
    warnings: list[CheckMessage] = []
    for alias in databases:
        try:
            calendars = calendars_missing_next_year(alias)
        except DatabaseError:  # not migrated yet: nothing to check
            continue
        warnings.extend(
            Warning(missing_year_message(calendar), id="sla.W001", obj=calendar)
            for calendar in calendars
        )
    return warnings
