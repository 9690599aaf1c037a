"""Scheduled SLA work: threshold checks per clock change, and recomputation after a calendar
edit. Tasks take ids and call actions."""

from django_tasks import task

from incidesk.sla.models import ClockState, SlaClock


@task()
def check_clock(clock_id: int, scheduled_for: str) -> int:
    """Fire the warnings or the breach now due; stale runs (the clock changed) do nothing. Other
    checks already due in the database queue are done with it, set-wise; returns how many."""
    # Imported here: the actions import clocks, which schedule this task.
    from incidesk.incidents.actions import do_check_due_sla

    return do_check_due_sla(clock_id, scheduled_for)


@task()
def recompute_calendar(calendar_id: int) -> int:
    """Recompute the due times of the open clocks on an edited calendar; returns how many.
    Runs once per edit, over that calendar's open clocks only, one transaction per clock."""
    from incidesk.incidents.actions import do_recompute_sla

    open_clocks = (
        SlaClock.objects.filter(calendar_id=calendar_id, stopped_at__isnull=True)
        .exclude(state=ClockState.CANCELLED)
        .values_list("pk", flat=True)
    )
    count = 0
    for clock_id in open_clocks.iterator():
        do_recompute_sla(clock_id)
        count += 1
    return count
