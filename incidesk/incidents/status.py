"""The one state machine of an incident: statuses, verbs, who may use them, their guards.

Declared with the shared engine (`core.lifecycle`): the transition table is derived from the
verbs, the actions refuse through `LIFECYCLE.authorise`, and every UI renders exactly
`allowed_verbs(incident, user)` as buttons (the API's `allowed_actions` too).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.core.lifecycle import Guard, Lifecycle, Verb

if TYPE_CHECKING:
    from incidesk.accounts.models import User
    from incidesk.incidents.models import Incident


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset({Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})
# The open statuses in one fixed order: PostgreSQL uses the partial index `inc_open_due` for a
# query that names the same list (`console.queues`).
OPEN_STATUS_LIST = tuple(sorted(OPEN_STATUSES))
# Open and not on hold: the resolution clock runs.
RUNNING_STATUSES = (Status.NEW, Status.IN_PROGRESS)


class Actor(models.TextChoices):
    """Who may use a verb: desk staff, or the customer who owns the incident. (What only leads
    and admins may do, priority overrides and moves between teams, is not a status move: the
    actions check `User.is_manager` themselves.)"""

    STAFF = "staff"
    OWNER = "owner"


_ALL_BUT_FINAL = frozenset(Status) - FINAL_STATUSES
_STAFF = frozenset({Actor.STAFF})
_STAFF_OR_OWNER = frozenset({Actor.STAFF, Actor.OWNER})
_OWNER = frozenset({Actor.OWNER})


def roles(incident: Incident, user: User) -> set[Actor]:
    kinds: set[Actor] = set()
    if user.is_desk_staff:
        kinds.add(Actor.STAFF)
    if incident.reporter_id == user.pk:
        kinds.add(Actor.OWNER)
    return kinds


def _not_rated(incident: Incident) -> bool:
    return incident.satisfaction is None


RATE_ONCE = Guard("rate_once", _not_rated, _("This incident has already been rated."))


def _merge_undoable(incident: Incident) -> bool:
    """Merged into another incident, and the undo window has not run out."""
    if incident.merged_at is None:
        return False
    window = timedelta(minutes=settings.INCIDESK_MERGE_UNDO_MINUTES)
    return timezone.now() <= incident.merged_at + window


MERGE_UNDOABLE = Guard(
    "merge_undoable",
    _merge_undoable,
    _("This incident was not merged, or the time to undo the merge has run out."),
)

LIFECYCLE = Lifecycle(
    status=Status,
    roles=roles,
    forbidden=_("You may not %(verb)s this incident."),
    refused=_(
        "Cannot %(verb)s incident %(number)s in status “%(status)s”; "
        "from here it can go to: %(allowed)s."
    ),
    verbs=[
        Verb("accept", frozenset({Status.NEW}), Status.IN_PROGRESS, _STAFF, _("Accept")),
        Verb(
            "assign",
            _ALL_BUT_FINAL - {Status.RESOLVED},
            None,
            _STAFF,
            _("Assign"),
            moves=((Status.NEW, Status.IN_PROGRESS),),
        ),
        Verb("hold", frozenset({Status.IN_PROGRESS}), Status.ON_HOLD, _STAFF, _("Put on hold")),
        Verb(
            "request-info",
            frozenset({Status.IN_PROGRESS}),
            Status.ON_HOLD,
            _STAFF,
            _("Request information"),
        ),
        Verb("resume", frozenset({Status.ON_HOLD}), Status.IN_PROGRESS, _STAFF, _("Resume")),
        Verb("resolve", frozenset({Status.IN_PROGRESS}), Status.RESOLVED, _STAFF, _("Resolve")),
        Verb(
            "confirm",
            frozenset({Status.RESOLVED}),
            Status.CLOSED,
            _STAFF_OR_OWNER,
            _("Confirm fix"),
        ),
        Verb(
            "reopen",
            frozenset({Status.RESOLVED}),
            Status.IN_PROGRESS,
            _STAFF_OR_OWNER,
            _("Not fixed: reopen"),
        ),
        Verb("close", frozenset({Status.RESOLVED}), Status.CLOSED, _STAFF, _("Close")),
        Verb("cancel", frozenset(OPEN_STATUSES), Status.CANCELLED, _STAFF, _("Cancel")),
        Verb("link", frozenset(Status), None, _STAFF, _("Link")),
        Verb(
            "merge",
            frozenset(OPEN_STATUSES),
            Status.CANCELLED,
            _STAFF,
            _("Merge into another incident"),
        ),
        Verb(
            "unmerge",
            frozenset({Status.CANCELLED}),
            Status.IN_PROGRESS,
            _STAFF,
            _("Undo the merge"),
            guards=(MERGE_UNDOABLE,),
        ),
        Verb("split", frozenset(Status), None, _STAFF, _("Split a comment out")),
        Verb("rate", frozenset({Status.CLOSED}), None, _OWNER, _("Rate"), guards=(RATE_ONCE,)),
    ],
)
VERBS: dict[str, Verb] = LIFECYCLE.verbs
TRANSITIONS: dict[str, frozenset[str]] = LIFECYCLE.transitions


def may_use(verb: Verb, incident: Incident, user: User) -> bool:
    return LIFECYCLE.may_use(verb, incident, user)


def allowed_verbs(incident: Incident, user: User) -> list[Verb]:
    """The verbs `user` may apply to `incident` now, in table order."""
    return LIFECYCLE.allowed(incident, user)


def allowed_next(status: Status | str) -> list[str]:
    return LIFECYCLE.allowed_next(status)
