"""Keep `IncidentFact` rows exact: what an incident's durations and conversation come to.

Business time is not something SQL can compute (it walks the SLA calendar), and neither is "how
many public messages came before the first resolution", so those are worked out here once per
change of an incident, and the reports aggregate the stored numbers in SQL. Each fact also
carries a copy of the incident's report dimensions and moments (`COPIED`), so that a report reads
the narrow fact table alone, never joining the wide incident table.

Every change to an incident goes through `incidents.actions`, which bumps `version` and
`updated_at` in the same transaction. `sync()` therefore only reads incidents changed since the
last pass (with a margin for transactions still open at that moment) or created since (bulk
imports too), and recomputes those whose fact is missing or carries an older version. The reports
call it before they aggregate; `rebuild()` (`incidesk analytics rebuild`) recreates everything,
e.g. after a bulk import or a retroactive calendar edit. Each batch also recounts the hourly
sums (`analytics.hourly`) of the hours its facts were and are now in, in its transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from incidesk.accounts.models import STAFF_ROLES
from incidesk.analytics import hourly
from incidesk.analytics.models import FactsWatermark, IncidentFact
from incidesk.incidents.models import EventKind, Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.sla.calendar import business_between, business_seconds
from incidesk.sla.models import ClockState, SlaClock, read_pauses

BATCH = 2000
# A change is committed some time after its `updated_at` was taken; re-read that far back.
COMMIT_MARGIN = timedelta(minutes=15)
RESOLVED = (Status.RESOLVED, Status.CLOSED)
# What `compute` works out from the clocks and the timeline.
DERIVED = [
    "version",
    "response_seconds",
    "response_business_seconds",
    "resolution_seconds",
    "resolution_business_seconds",
    "response_breached",
    "resolution_breached",
    "response_waiting",
    "resolution_waiting",
    "first_contact",
    "first_reply_resolved",
]
# The incident's report dimensions and moments, copied as they are (`resolved_at` aside).
COPIED = [
    "created_at",
    "first_response_at",
    "rated_at",
    "satisfaction",
    "status",
    "kind",
    "priority",
    "channel",
    "reopen_count",
    "team_id",
    "assignee_id",
    "organisation_id",
    "category_id",
    "service_id",
    "cause_id",
]
UPDATE_FIELDS = [*DERIVED, "resolved_at", *COPIED]

Event = tuple[str, datetime, dict[str, Any], str | None]  # kind, at, data, actor role


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def _state_at(events: list[Event], moment: datetime) -> str:
    """What the incident was waiting for at `moment`: its status, or the hold reason."""
    state = Status.NEW.value
    for kind, at, data, _role in events:
        if at > moment:
            break
        if kind == EventKind.STATUS_CHANGED:
            new = data.get("new", state)
            hold = data.get("hold_reason") if new == Status.ON_HOLD else None
            state = f"{new}:{hold}" if hold else new
    return state


def _conversation(incident: Incident, events: list[Event]) -> tuple[bool, bool]:
    """(first-contact resolution, resolved in the first reply), see docs/kpi.md."""
    if incident.status not in RESOLVED or incident.reopen_count:
        return False, False
    staff = customer = 0
    for kind, _at, data, role in events:
        if kind == EventKind.STATUS_CHANGED and data.get("new") == Status.RESOLVED:
            break
        if kind == EventKind.PUBLIC_REPLY and role is not None:
            if role in STAFF_ROLES:
                staff += 1
            else:
                customer += 1
    return customer == 0 and staff <= 1, staff == 0


def compute(incident: Incident, clocks: Iterable[SlaClock], events: list[Event]) -> IncidentFact:
    """The fact of one incident from its row, its SLA clocks and its timeline (in order)."""
    fact = IncidentFact(incident_id=incident.pk, version=incident.version)
    for name in COPIED:
        setattr(fact, name, getattr(incident, name))
    if incident.first_response_at:
        fact.response_seconds = _seconds(incident.first_response_at - incident.created_at)
    if incident.status in RESOLVED and incident.resolved_at:
        fact.resolved_at = incident.resolved_at
        fact.resolution_seconds = _seconds(incident.resolved_at - incident.created_at)
    for clock in clocks:
        if clock.stopped_at is None or clock.state == ClockState.CANCELLED:
            continue
        # The pauses are measured on the calendar the running time is measured on: the clock's
        # calendar now, which a priority change may have switched since they were credited.
        running = business_between(clock.started_at, clock.stopped_at, clock.calendar)
        paused = business_seconds(read_pauses(clock.pauses), clock.calendar)
        setattr(fact, f"{clock.metric}_business_seconds", _seconds(running) - paused)
        breached = clock.breached_at is not None
        setattr(fact, f"{clock.metric}_breached", breached)
        if clock.breached_at is not None:
            setattr(fact, f"{clock.metric}_waiting", _state_at(events, clock.breached_at))
    fact.first_contact, fact.first_reply_resolved = _conversation(incident, events)
    return fact


def refresh(ids: list[int], hours: bool = True) -> int:
    """Recompute the facts of these incidents (one batch: three reads and one upsert) and,
    unless `hours` is off (a rebuild sums them all at its end), the hourly sums of every hour
    they were or are now counted in. Call it inside a transaction."""
    if hours:
        # One batch at a time recounts hours: two at once could each miss the other's facts.
        FactsWatermark.objects.select_for_update().filter(pk=1).first()
        before = IncidentFact.objects.filter(incident_id__in=ids).values(*hourly.MOMENTS)
        touched = hourly.touched(before)
    incidents = (
        Incident.objects.filter(pk__in=ids)
        .order_by("created_at", "id")
        .only("version", "resolved_at", *COPIED)
    )
    clocks: dict[int, list[SlaClock]] = defaultdict(list)
    for clock in SlaClock.objects.filter(incident_id__in=ids).select_related("calendar"):
        clocks[clock.incident_id].append(clock)
    events: dict[int, list[Event]] = defaultdict(list)
    rows = (
        TimelineEvent.objects.filter(
            incident_id__in=ids, kind__in=[EventKind.STATUS_CHANGED, EventKind.PUBLIC_REPLY]
        )
        .order_by("incident_id", "at", "id")
        .values_list("incident_id", "kind", "at", "data", "actor__role")
    )
    for incident_id, *event in rows:
        events[incident_id].append(tuple(event))
    facts = [compute(i, clocks[i.pk], events[i.pk]) for i in incidents]
    IncidentFact.objects.bulk_create(
        facts, update_conflicts=True, unique_fields=["incident"], update_fields=UPDATE_FIELDS
    )
    if hours:
        now = hourly.touched({m: getattr(fact, m) for m in hourly.MOMENTS} for fact in facts)
        hourly.recount({m: touched[m] | now[m] for m in hourly.MOMENTS})
    return len(facts)


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def sync() -> int:
    """Bring the facts of every incident changed or created since the last pass up to date;
    returns how many were recomputed."""
    # Two reports may start at once: creating the row must not fail for the second one.
    FactsWatermark.objects.bulk_create([FactsWatermark(pk=1)], ignore_conflicts=True)
    mark = FactsWatermark.objects.get(pk=1)
    top = _top()
    if top["last"] is None:
        return 0
    changed = Q(pk__gt=mark.incident_id)
    if mark.updated_at is not None:
        changed |= Q(updated_at__gte=mark.updated_at - COMMIT_MARGIN)
    # Sorted here, not in SQL: with ORDER BY id SQLite scans the whole table in id order
    # instead of reading the two index ranges of the OR (360 ms at a million incidents).
    stale = (
        Incident.objects.filter(changed)
        .filter(Q(kpi__isnull=True) | ~Q(kpi__version=F("version")))
        .order_by()
        .values_list("pk", flat=True)
    )
    done = 0
    for batch in _batches(sorted(stale)):
        with transaction.atomic():
            done += refresh(batch)
    FactsWatermark.objects.filter(pk=1).update(updated_at=top["updated"], incident_id=top["last"])
    return done


def _top() -> dict[str, Any]:
    """The newest change and the last id, each read from the end of its index: two MAX in one
    aggregate make SQLite scan a whole index (200 ms at a million incidents)."""
    newest = Incident.objects.order_by("-updated_at").values_list("updated_at", flat=True)
    last = Incident.objects.order_by("-id").values_list("id", flat=True)
    return {"updated": newest.first(), "last": last.first()}


def rebuild() -> int:
    """Recreate every fact from scratch (after a bulk import or a retroactive calendar edit).

    The facts are written in registration order, so that a period's facts lie together on disk
    (as they do on a desk that registers incidents day by day) and a report reads few pages."""
    FactsWatermark.objects.all().delete()
    IncidentFact.objects.all().delete()
    top = _top()
    ids = Incident.objects.order_by("created_at", "id").values_list("pk", flat=True)
    done = 0
    for batch in _batches(list(ids)):
        with transaction.atomic():
            done += refresh(batch, hours=False)
    with transaction.atomic():
        hourly.rebuild()
    # Changes made meanwhile are newer than `top` (or inside the commit margin): the next sync
    # reads them. A report may have synced during the rebuild and created the row already.
    FactsWatermark.objects.update_or_create(
        pk=1, defaults={"updated_at": top["updated"], "incident_id": top["last"] or 0}
    )
    return done
