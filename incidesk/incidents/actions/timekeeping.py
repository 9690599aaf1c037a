"""Time spent: the minutes an agent records with a reply, a note or an action.

A `TimeEntry` is not part of the incident's record (no version bump, no timeline event: the
reply or action it came with is on the timeline); the author may correct it for
`TIME_EDIT_WINDOW_HOURS`, after which it stands as billed.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.core.errors import Forbidden, InvalidInput
from incidesk.incidents.access import require
from incidesk.incidents.models import TIME_EDIT_WINDOW_HOURS, Comment, Incident, TimeEntry

MAX_MINUTES = 24 * 60


def _checked(minutes: int) -> int:
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput.field(
            "minutes",
            _("Time spent is between 1 and %(max)d minutes.") % {"max": MAX_MINUTES},
        )
    return minutes


@transaction.atomic
def do_log_time(
    incident: Incident,
    *,
    actor: User,
    minutes: int,
    what: str = "",
    comment: Comment | None = None,
) -> TimeEntry:
    """Record `minutes` the agent spent on `incident` with `what` (a reply, a note, a verb)."""
    require(actor, "log_time", incident)
    return TimeEntry.objects.create(
        incident=incident,
        author=actor,
        minutes=_checked(minutes),
        what=what[:24],
        comment=comment,
        at=timezone.now(),
    )


@transaction.atomic
def do_edit_time(entry: TimeEntry, *, actor: User, minutes: int) -> TimeEntry:
    """Correct the minutes of one's own entry, within a day of recording it."""
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.author_id != actor.pk or not actor.is_active:
        raise Forbidden(_("Only its author may change a time entry."))
    if timezone.now() - entry.at > timedelta(hours=TIME_EDIT_WINDOW_HOURS):
        raise Forbidden(
            _("A time entry can be changed for %(hours)d hours after it was recorded.")
            % {"hours": TIME_EDIT_WINDOW_HOURS}
        )
    entry.minutes = _checked(minutes)
    entry.edited_at = timezone.now()
    entry.save(update_fields=["minutes", "edited_at"])
    return entry
