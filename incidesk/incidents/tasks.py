"""Background work on incidents. Tasks take ids and JSON-safe values and call actions."""

from django_tasks import task


@task()
def auto_close_incident(incident_id: int, resolved_at: str) -> bool:
    """Close a resolved incident whose confirmation window has passed (stale runs do nothing)."""
    # Imported here: actions imports this module to schedule the task.
    from incidesk.incidents import actions

    return actions.do_auto_close(incident_id, resolved_at) is not None
