"""The one state machine of a problem: open -> known error -> resolved -> closed.

Declared with the shared engine (`core.lifecycle`), like `incidents.status`: the transition table
is derived from the verbs, the actions refuse through `LIFECYCLE.authorise`, and the problem page
and the API's `allowed_actions` offer exactly `allowed_verbs(problem, user)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.core.lifecycle import Lifecycle, Verb

if TYPE_CHECKING:
    from incidesk.accounts.models import User
    from incidesk.problems.models import Problem


class ProblemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("problem", "Open")
    KNOWN_ERROR = "known_error", pgettext_lazy("problem", "Known error")
    RESOLVED = "resolved", pgettext_lazy("problem", "Resolved")
    CLOSED = "closed", pgettext_lazy("problem", "Closed")


class Actor(models.TextChoices):
    """Who may use a verb. Resolving fixes the cause for every linked incident (and may resolve
    them all, telling their customers), so it is for the problem's owner or a manager."""

    STAFF = "staff"
    MANAGER = "manager"
    OWNER = "owner"


_OWNER_OR_MANAGER = frozenset({Actor.OWNER, Actor.MANAGER})


def roles(problem: Problem, user: User) -> set[Actor]:
    kinds: set[Actor] = set()
    if user.is_desk_staff:
        kinds.add(Actor.STAFF)
        if user.is_manager:
            kinds.add(Actor.MANAGER)
        if problem.owner_id == user.pk:
            kinds.add(Actor.OWNER)
    return kinds


LIFECYCLE = Lifecycle(
    status=ProblemStatus,
    roles=roles,
    forbidden=_("You may not %(verb)s this problem."),
    refused=_(
        "Cannot %(verb)s problem %(number)s in status “%(status)s”; "
        "from here it can go to: %(allowed)s."
    ),
    verbs=[
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
    ],
)
VERBS: dict[str, Verb] = LIFECYCLE.verbs
TRANSITIONS: dict[str, frozenset[str]] = LIFECYCLE.transitions


def may_use(verb: Verb, problem: Problem, user: User) -> bool:
    return LIFECYCLE.may_use(verb, problem, user)


def allowed_verbs(problem: Problem, user: User) -> list[Verb]:
    """The verbs `user` may apply to `problem` now, in table order."""
    return LIFECYCLE.allowed(problem, user)


def allowed_next(status: ProblemStatus | str) -> list[str]:
    return LIFECYCLE.allowed_next(status)
