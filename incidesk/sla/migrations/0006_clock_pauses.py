"""Keep each clock's pauses as intervals, so that a clock moved to another calendar measures them
again there. Clocks that already credited pauses get their intervals back from the timeline:
a pause runs from its `sla_paused` event to the `sla_resumed` event of the same metric, or to the
resolution or cancellation that stopped the clock while paused; a reopen's `sla_resumed`
(reason "testing") ends the pause that began at the resolution before it. Their
`paused_seconds` is left as it was credited."""

from datetime import UTC

from django.db import migrations, models

STOPPING = ("resolved", "cancelled")
KINDS = ("sla_paused", "sla_resumed", "status_changed")


def _entry(start, end):
    return [start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()]


def pauses_from_events(metric, events):
    """The finished pauses of the clock of `metric`, from its incident's events in order, each
    given as (kind, at, data)."""
    pauses, since, resolved_at = [], None, None
    for kind, at, data in events:
        if kind == "status_changed":
            if data.get("new") in STOPPING and since is not None:
                pauses.append(_entry(since, at))
                since = None
            if data.get("new") == "resolved":
                resolved_at = at
        elif data.get("metric") != metric:
            continue
        elif kind == "sla_paused":
            since = at
        elif data.get("reason") == "testing" and resolved_at is not None:
            pauses.append(_entry(resolved_at, at))
            resolved_at = None
        elif since is not None:
            pauses.append(_entry(since, at))
            since = None
    return pauses


def backfill(apps, schema_editor):
    clock_model = apps.get_model("sla", "SlaClock")
    event_model = apps.get_model("incidents", "TimelineEvent")
    clocks = clock_model.objects.filter(paused_seconds__gt=0).order_by("pk")
    for clock in clocks.iterator(chunk_size=500):
        events = (
            event_model.objects.filter(incident_id=clock.incident_id, kind__in=KINDS)
            .order_by("at", "id")
            .values_list("kind", "at", "data")
        )
        clock.pauses = pauses_from_events(clock.metric, events)
        clock.save(update_fields=["pauses"])


class Migration(migrations.Migration):
    dependencies = [("sla", "0005_clock_order")]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="pauses",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
