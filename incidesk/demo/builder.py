"""A realistic demo desk: teams, customers and N historical incidents with their timelines.

Incidents are inserted in bulk here, bypassing `incidents.actions` on purpose: this is an import
of history (incidents registered, worked and closed in the past), which the actions cannot express
(they stamp "now", lock one row at a time, notify people), and a million of them must load in
minutes. So the builder keeps the actions' invariants itself:

- numbers are reserved from the INC counter in one step, so later creations continue after them;
- priority comes from the matrix, except a few overridden by a lead with a timeline event;
- `hold_reason` is set exactly when on hold; resolved and closed incidents have a cause,
  resolution code and notes; cancelled ones a reason;
- created_at < first_response_at < resolved_at < closed_at <= now, and the timeline events
  (created, assigned, status changes, replies, notes) carry the same times, in the same shapes
  the actions record;
- every incident has its search document (and FTS5 row on SQLite);
- a resolved incident has its auto-close task queued, as `do_resolve` would have done;
- every incident has the SLA clocks its policy gives, replayed from its own timeline by
  `sla.history` (a clock past due is breached and the incident flagged escalated; the queue
  columns carry the open clocks' due times); each clock still running has a check queued for now,
  which fires nothing already passed and schedules the next threshold, so warnings go on from
  the present instead of replaying the past. The clocks' own timeline events (paused, resumed,
  warning, breached, escalated) are not written: the SLA explanation of a demo incident tells
  its targets, stops and cancellations only.

Above RICH_LIMIT incidents timelines are kept to 2-4 events each (no replies, notes,
escalations or reopenings), and rows go in through plain INSERTs (`loading.Table`): a million
incidents load in about seven and a half minutes on SQLite on two cores, three of them for the
SLA clocks (mostly business-time arithmetic: a due time, and for thresholds a used time, per
clock).

The work is split by theme: `people` creates the accounts and teams, `stories` decides each
incident's scenario, status and steps, `play` turns the steps into fields and timeline rows,
`clocks` replays the SLA clocks, `loading` writes a chunk; the words are in `texts`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F

from incidesk.accounts.models import User
from incidesk.demo.loading import Table, write
from incidesk.demo.people import ADMIN_EMAIL, create_people
from incidesk.demo.stories import IncidentBuilder
from incidesk.demo.texts import names
from incidesk.incidents.models import Incident, NumberCounter, SearchDocument, TimelineEvent
from incidesk.incidents.numbering import PREFIX
from incidesk.incidents.search import settle_index
from incidesk.sla.models import SlaClock

CHUNK = 5000  # incidents written per transaction
RICH_LIMIT = 20_000


class AlreadyLoaded(Exception):
    """The demo administrator exists: a second load would clash with the first."""


@dataclass
class Summary:
    """What was built, for the command to print."""

    logins: list[tuple[str, str, str]]  # (role, e-mail, password)
    customers: int
    organisations: int
    incidents: int
    events: int
    comments: int
    statuses: Counter[str]


def is_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


def build(
    *,
    incidents: int,
    seed: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Summary:
    """Create the demo people and `incidents` incidents. Raises AlreadyLoaded on a second run."""
    if is_loaded():
        raise AlreadyLoaded(ADMIN_EMAIL)
    rng = random.Random(seed)  # noqa: S311  reproducible demo data from a seed, not a secret
    with transaction.atomic():
        logins, staff, customers = create_people(rng)
        first_number = _reserve_numbers(incidents)
    builder = IncidentBuilder(rng, staff, customers, rich=incidents <= RICH_LIMIT)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB: index pages stay in memory
    tables = {
        "incident": Table(Incident),
        "event": Table(TimelineEvent),
        "document": Table(SearchDocument),
        "clock": Table(SlaClock),
    }
    created = builder.creation_times(incidents)
    statuses = builder.statuses(created)
    summary = Summary(
        logins=logins,
        customers=len(customers),
        organisations=len(names.ORGANISATIONS),
        incidents=incidents,
        events=0,
        comments=0,
        statuses=Counter(statuses),
    )
    for start in range(0, incidents, CHUNK):
        stories = [
            builder.story(f"{PREFIX}-{first_number + i:06d}", created[i], statuses[i])
            for i in range(start, min(start + CHUNK, incidents))
        ]
        write(stories, builder, tables)
        summary.events += sum(len(story.events) for story in stories)
        summary.comments += sum(len(story.comments) for story in stories)
        progress(start + len(stories), incidents)
    settle_index()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics for a table that just grew a lot
    return summary


def _reserve_numbers(count: int) -> int:
    """Take `count` numbers from the counter at once; returns the first."""
    NumberCounter.objects.get_or_create(prefix=PREFIX)
    NumberCounter.objects.filter(prefix=PREFIX).update(last=F("last") + count)
    return NumberCounter.objects.get(prefix=PREFIX).last - count + 1
