"""Writing demo incidents to the database: plain INSERTs of ready rows, a chunk per transaction,
with their comments, timeline, search rows, SLA clocks and the tasks the actions would have
queued."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache, partial
from typing import TYPE_CHECKING, cast

from django.db import connection, transaction
from django.db.models import DateTimeField, JSONField, Model
from django.db.models.fields import AutoFieldMixin

from incidesk.demo.play import Story
from incidesk.incidents.models import Comment, Incident, Visibility
from incidesk.incidents.search import FTS_TABLE, stem_words
from incidesk.incidents.status import Status
from incidesk.incidents.tasks import auto_close_incident
from incidesk.sla.models import ClockState, SlaClock
from incidesk.sla.tasks import check_clock

if TYPE_CHECKING:
    from incidesk.demo.stories import IncidentBuilder

BATCH = 1000  # rows per INSERT (PostgreSQL allows at most 65535 parameters a statement)


def _stems(text: str) -> str:
    """What `index_incident` puts in the FTS5 table for `text`. Snowball costs ~30 µs a word, so
    each whitespace-separated piece is stemmed once and remembered (no word spans whitespace)."""
    return " ".join(stems for stems in map(_piece_stems, text.split()) if stems)


@cache
def _piece_stems(piece: str) -> str:
    return " ".join(stem_words(piece))


def _number_stems(number: str) -> str:
    prefix, digits = number.split("-")
    return f"{_stems(prefix)} {digits}"  # digits stem to themselves


class Table:
    """Plain INSERTs of rows given as {attribute name: value}; a missing value takes the field's
    default, so a new model field does not break the loader.

    bulk_create prepares every value through its field (about 5 µs a value, most of the time of
    a million-incident load); here the values are already in database form, except dates and
    JSON, which the backend adapts."""

    def __init__(self, model: type[Model]) -> None:
        ops = connection.ops
        self.fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
        self.defaults = [f.get_default() for f in self.fields]
        self.adapters: list[Callable | None] = [
            ops.adapt_datetimefield_value
            if isinstance(f, DateTimeField)
            else partial(ops.adapt_json_value, encoder=f.encoder)
            if isinstance(f, JSONField)
            else None
            for f in self.fields
        ]
        # A concrete field always has a column (only a non-concrete one's is None).
        columns = ", ".join(ops.quote_name(cast(str, f.column)) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        table = model._meta.db_table
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608  our own model's table and columns; values are parameters
        self.names = [f.attname for f in self.fields]

    def insert(self, rows: list[dict]) -> None:
        plan = list(zip(self.names, self.defaults, self.adapters, strict=True))
        values = [
            tuple(
                adapt(row.get(name, default)) if adapt else row.get(name, default)
                for name, default, adapt in plan
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, values)


def write(stories: list[Story], builder: IncidentBuilder, tables: dict[str, Table]) -> None:
    """Insert one chunk of incidents with their comments, timeline and search rows."""
    with transaction.atomic():
        tables["incident"].insert([story.incident for story in stories])
        numbers = [story.incident["number"] for story in stories]
        ids = dict(Incident.objects.filter(number__in=numbers).values_list("number", "pk"))
        for story in stories:
            story.incident["id"] = ids[story.incident["number"]]
            for comment in story.comments:
                comment.incident_id = story.incident["id"]
            for event in story.events:
                event["incident_id"] = story.incident["id"]
            for clock in story.clocks:
                clock["incident_id"] = story.incident["id"]
        Comment.objects.bulk_create([c for s in stories for c in s.comments], batch_size=BATCH)
        for story in stories:
            for event, comment in story.replies:
                event["data"]["comment_id"] = comment.pk
        tables["event"].insert([event for story in stories for event in story.events])
        _index(stories, tables["document"])
        _schedule_auto_close(stories, builder.auto_close)
        tables["clock"].insert([clock for story in stories for clock in story.clocks])
        _schedule_checks(stories, builder.now)


def _index(stories: list[Story], documents: Table) -> None:
    """The search document (and FTS5 row on SQLite) of each incident, as `index_incident`
    writes them."""
    rows, stems = [], []
    for story in stories:
        incident = story.incident
        public = [c.body for c in story.comments if c.visibility == Visibility.PUBLIC]
        parts = [incident["title"], incident["description"], *public]
        body = "\n".join([incident["number"], *parts])
        rows.append({"incident_id": incident["id"], "body": body})
        words = " ".join([_number_stems(incident["number"]), *map(_stems, parts)])
        stems.append((incident["id"], words))
    documents.insert(rows)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, stems) VALUES (%s, %s)", stems)  # noqa: S608  FTS_TABLE is a constant; values are parameters


def _schedule_auto_close(stories: list[Story], auto_close: timedelta) -> None:
    """The auto-close task of each resolved incident, as `do_resolve` queues it."""
    if not auto_close:
        return
    for story in stories:
        incident = story.incident
        if incident["status"] == Status.RESOLVED:
            resolved_at = incident["resolved_at"]
            task = auto_close_incident.using(run_after=resolved_at + auto_close)
            task.enqueue(incident["id"], resolved_at.isoformat())


def _schedule_checks(stories: list[Story], now: datetime) -> None:
    """Queue a check for now of every running clock, carrying its stored `updated_at` as
    `clocks.check` expects. The check fires nothing in `fired` (the history) and schedules the
    clock's next threshold itself, as every clock change does."""
    incidents = [
        story.incident["id"]
        for story in stories
        if any(clock["state"] == ClockState.RUNNING for clock in story.clocks)
    ]
    if not incidents:
        return
    running = SlaClock.objects.filter(incident_id__in=incidents, state=ClockState.RUNNING)
    task = check_clock.using(run_after=now)
    for clock_id, updated_at in running.values_list("pk", "updated_at"):
        task.enqueue(clock_id, updated_at.isoformat())
