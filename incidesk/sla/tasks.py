"""Scheduled SLA checks: one per clock change, run when the next threshold is reached."""

from django_tasks import task


@task()
def check_clock(clock_id: int, scheduled_for: str) -> None:
    """Fire the warnings or the breach now due; stale runs (the clock changed) do nothing."""
    # Imported here: the actions import clocks, which schedule this task.
    from incidesk.incidents.actions import do_check_sla

    do_check_sla(clock_id, scheduled_for)
