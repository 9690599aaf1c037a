"""Background work of the portal. Tasks take ids and call `pending`."""

from django_tasks import task

from incidesk.portal import pending


@task()
def send_report_confirmation(report_id: int) -> str:
    """Mail the link that confirms a report sent without signing in (once; failures retry)."""
    return pending.send_confirmation(report_id)
