"""The one state machine of a problem: open -> known error -> resolved -> closed.

Like `incidents.status`: the actions refuse what this table does not allow, and the problem page
renders exactly `allowed_verbs(problem, user)` as buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from incidesk.accounts.models import User
    from incidesk.problems.models import Problem


class ProblemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("problem", "Open")
    KNOWN_ERROR = "known_error", pgettext_lazy("problem", "Known error")
    RESOLVED = "resolved", pgettext_lazy("problem", "Resolved")
    CLOSED = "closed", pgettext_lazy("problem", "Closed")


TRANSITIONS: dict[ProblemStatus, frozenset[ProblemStatus]] = {
    ProblemStatus.OPEN: frozenset({ProblemStatus.KNOWN_ERROR, ProblemStatus.RESOLVED}),
    ProblemStatus.KNOWN_ERROR: frozenset({ProblemStatus.RESOLVED}),
    ProblemStatus.RESOLVED: frozenset({ProblemStatus.CLOSED, ProblemStatus.OPEN}),
    ProblemStatus.CLOSED: frozenset(),
}


class Actor(models.TextChoices):
    """Who may use a verb. Resolving fixes the cause for every linked incident (and may resolve
    them all, telling their customers), so it is for the problem's owner or a manager."""

    STAFF = "staff"
    MANAGER = "manager"
    OWNER = "owner"


@dataclass(frozen=True)
class Verb:
    name: str
    sources: frozenset[ProblemStatus]
    target: ProblemStatus
    actors: frozenset[Actor]
    label: str


_OWNER_OR_MANAGER = frozenset({Actor.OWNER, Actor.MANAGER})

VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in [
        Verb(
            "known-error",
            frozenset({ProblemStatus.OPEN}),
            ProblemStatus.KNOWN_ERROR,
            frozenset({Actor.STAFF}),
            _("Publish as known error"),
        ),
        Verb(
            "resolve",
            frozenset({ProblemStatus.OPEN, ProblemStatus.KNOWN_ERROR}),
            ProblemStatus.RESOLVED,
            _OWNER_OR_MANAGER,
            _("Resolve"),
        ),
        Verb(
            "reopen",
            frozenset({ProblemStatus.RESOLVED}),
            ProblemStatus.OPEN,
            _OWNER_OR_MANAGER,
            _("Reopen"),
        ),
        Verb(
            "close",
            frozenset({ProblemStatus.RESOLVED}),
            ProblemStatus.CLOSED,
            _OWNER_OR_MANAGER,
            _("Close"),
        ),
    ]
}


def actor_kinds(problem: Problem, user: User) -> set[Actor]:
    kinds: set[Actor] = set()
    if user.is_desk_staff:
        kinds.add(Actor.STAFF)
        if user.is_manager:
            kinds.add(Actor.MANAGER)
        if problem.owner_id == user.pk:
            kinds.add(Actor.OWNER)
    return kinds


def may_use(verb: Verb, problem: Problem, user: User) -> bool:
    return bool(verb.actors & actor_kinds(problem, user))


def allowed_verbs(problem: Problem, user: User) -> list[Verb]:
    """The verbs `user` may apply to `problem` now, in table order."""
    return [
        verb
        for verb in VERBS.values()
        if problem.status in verb.sources and may_use(verb, problem, user)
    ]


def allowed_next(status: ProblemStatus | str) -> list[str]:
    return sorted(TRANSITIONS[ProblemStatus(status)])
