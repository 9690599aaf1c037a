"""Background work on incidents. Tasks take ids and JSON-safe values and call actions."""

from django_tasks import task


@task()
def auto_close_incident(incident_id: int, resolved_at: str) -> bool:
    """Close a resolved incident whose confirmation window has passed (stale runs do nothing)."""
    # Imported here: actions imports this module to schedule the task.
    from incidesk.incidents import actions

    return actions.do_auto_close(incident_id, resolved_at) is not None


@task()
def remind_info_request(incident_id: int, answer_by: str) -> None:
    """Remind the customer of an unanswered information request (stale runs do nothing)."""
    from incidesk.incidents import actions

    actions.do_remind_info_request(incident_id, answer_by)


@task()
def expire_info_request(incident_id: int, answer_by: str) -> None:
    """Apply the no-answer policy when the deadline passes (stale runs do nothing)."""
    from incidesk.incidents import actions

    actions.do_expire_info_request(incident_id, answer_by)
