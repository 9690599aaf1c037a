"""The one state machine of an incident: statuses, verbs, who may use them.

Server and UI both read this table: an action refuses anything it does not allow, and the UI renders
exactly `allowed_verbs(incident, user)` as buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

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

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.ON_HOLD, Status.RESOLVED, Status.CANCELLED}),
    Status.ON_HOLD: frozenset({Status.IN_PROGRESS, Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}


class Actor(models.TextChoices):
    """Who may use a verb: desk staff, or the customer who owns the incident. (What only leads
    and admins may do, priority overrides and moves between teams, is not a status move: the
    actions check `User.is_manager` themselves.)"""

    STAFF = "staff"
    OWNER = "owner"


@dataclass(frozen=True)
class Verb:
    """A lifecycle verb: the statuses it starts from and where it leads. `target` None keeps
    the status, except where `moves` says otherwise (assigning a new incident starts work)."""

    name: str
    sources: frozenset[Status]
    target: Status | None
    actors: frozenset[Actor]
    label: str
    moves: tuple[tuple[Status, Status], ...] = ()

    def next_status(self, current: Status | str) -> Status:
        return self.target or dict(self.moves).get(Status(current), Status(current))


_ALL_BUT_FINAL = frozenset(Status) - FINAL_STATUSES
_STAFF = frozenset({Actor.STAFF})
_STAFF_OR_OWNER = frozenset({Actor.STAFF, Actor.OWNER})
_OWNER = frozenset({Actor.OWNER})

VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in [
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
        Verb("rate", frozenset({Status.CLOSED}), None, _OWNER, _("Rate")),
    ]
}


def actor_kinds(incident: Incident, user: User) -> set[Actor]:
    kinds: set[Actor] = set()
    if user.is_desk_staff:
        kinds.add(Actor.STAFF)
    if incident.reporter_id == user.pk:
        kinds.add(Actor.OWNER)
    return kinds


def may_use(verb: Verb, incident: Incident, user: User) -> bool:
    return bool(verb.actors & actor_kinds(incident, user))


def allowed_verbs(incident: Incident, user: User) -> list[Verb]:
    """The verbs `user` may apply to `incident` now, in table order."""
    return [
        verb
        for verb in VERBS.values()
        if incident.status in verb.sources and may_use(verb, incident, user)
    ]


def allowed_next(status: Status | str) -> list[str]:
    return sorted(TRANSITIONS[Status(status)])
