"""Groups of recurring incidents are computed by the task worker and shown from the last run:
a page or an API call asks for a window (`requested`), gets the newest finished run of it, and
promises a new run to the worker when there is none younger than `FRESH` and none on its way.
The web process therefore never loads the clustering's numpy, scipy and scikit-learn.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from incidesk.core.promises import promise
from incidesk.recurring import similarity
from incidesk.recurring.models import GroupRun, GroupRunStatus

# A finished run younger than this is shown without asking for a new one.
FRESH = timedelta(minutes=10)
# A run queued or running for longer than this is presumed lost: another is promised.
LOST = timedelta(minutes=15)


def requested(days: int, min_size: int) -> tuple[GroupRun | None, GroupRun | None]:
    """The newest finished run of the window (or None) and the run on its way (None when the
    finished one is fresh): what the page shows and what it waits for. One query when the
    newest run is a fresh result, two otherwise (plus the new run, if one is promised)."""
    window = GroupRun.objects.filter(days=days, min_size=min_size).order_by("-requested_at", "-id")
    newest = window.first()
    now = timezone.now()
    if newest is None:
        return None, start(days, min_size)
    if newest.status == GroupRunStatus.DONE:
        return newest, (None if newest.requested_at >= now - FRESH else start(days, min_size))
    done = window.filter(status=GroupRunStatus.DONE).first()
    if newest.status == GroupRunStatus.FAILED:
        # Not again and again while a page polls: a failed run is retried after FRESH.
        return done, (None if newest.requested_at >= now - FRESH else start(days, min_size))
    return done, (newest if newest.requested_at >= now - LOST else start(days, min_size))


def start(days: int, min_size: int) -> GroupRun:
    """Store the request and promise its run to the worker."""
    from incidesk.recurring.tasks import compute_groups  # the task module imports this one

    with transaction.atomic():
        found = GroupRun.objects.create(days=days, min_size=min_size)
        promise(compute_groups, found.pk)
    return found


def run(run_id: int) -> None:
    """Group the run's window (ending now) and store the result; a finished run is left as it
    is (the task may be handed out twice). Older finished runs of the window are deleted."""
    found = GroupRun.objects.filter(pk=run_id).exclude(status=GroupRunStatus.DONE).first()
    if found is None:
        return
    rows = GroupRun.objects.filter(pk=run_id)
    until = timezone.now()
    since = until - timedelta(days=found.days)
    rows.update(status=GroupRunStatus.RUNNING, since=since, until=until)
    try:
        result = similarity.compute_groups(since=since, until=until, min_size=found.min_size)
    except Exception:
        rows.update(status=GroupRunStatus.FAILED, finished_at=timezone.now())
        raise
    rows.update(status=GroupRunStatus.DONE, result=result, finished_at=timezone.now())
    GroupRun.objects.filter(
        days=found.days,
        min_size=found.min_size,
        status__in=[GroupRunStatus.DONE, GroupRunStatus.FAILED],
        requested_at__lt=found.requested_at,
    ).delete()
