"""Background work of the automation. Tasks take ids and call actions."""

from django_tasks import task


@task()
def auto_assign(incident_id: int) -> None:
    """Give a newly registered incident to an available agent of its team, if the team assigns
    automatically (idempotent: an incident already assigned, or taken into work, is left)."""
    from incidesk.automation.assignment import assign

    assign(incident_id)


@task()
def run_triggers(event_ids: list[int]) -> int:
    """Fire the triggers that listen to these timeline events (idempotent: a trigger fires at
    most once per event); returns how many fired."""
    from incidesk.automation.firing import fire

    return fire(event_ids)


@task()
def run_scheduled_triggers() -> int:
    """Fire the scheduled triggers whose state has lasted long enough (idempotent: once per
    trigger and episode); promised every minute by the sweep while one is active."""
    from incidesk.automation.scheduled import run

    return run()


@task()
def run_simulation(run_id: int) -> None:
    """Run a simulation the console stored (a window too large for the request) and keep its
    result on the row (idempotent: a finished run is left)."""
    from incidesk.automation.runs import run

    run(run_id)
