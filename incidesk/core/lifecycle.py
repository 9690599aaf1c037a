"""The lifecycle engine incidents and problems share: verbs, the transitions they imply, and the
one check that says whether someone may use a verb on a record now.

A record type declares its verbs once (`Lifecycle`); the transition table is derived from them,
and both the buttons (`allowed`) and the actions (`authorise`) read the same verbs, roles and
guards, so a button is never offered that the action would refuse, nor the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import Promise

from incidesk.core.errors import Forbidden, InvalidTransition

if TYPE_CHECKING:
    from incidesk.accounts.models import User


@dataclass(frozen=True)
class Guard:
    """A condition on the record, beyond its status, that a verb needs (e.g. "not rated yet").
    `holds(record)` false: the verb is not offered, and the action refuses with `message`."""

    name: str
    holds: Callable[[Any], bool]
    message: str | Promise


@dataclass(frozen=True)
class Verb:
    """A lifecycle verb: the statuses it starts from, where it leads, the roles that may use it
    and its guards. `target` None keeps the status, except where `moves` says otherwise
    (assigning a new incident starts work)."""

    name: str
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    label: str | Promise
    moves: tuple[tuple[str, str], ...] = ()
    guards: tuple[Guard, ...] = ()

    def next_status(self, current: str) -> str:
        return self.target or dict(self.moves).get(current, current)

    def failed_guard(self, record: Any) -> Guard | None:
        return next((guard for guard in self.guards if not guard.holds(record)), None)


class Lifecycle:
    """The state machine of one record type.

    `roles(record, user)` names what `user` is to `record` (e.g. "staff", "owner"); a verb is for
    whoever holds one of its roles. The refusal messages are given by the record type, so they
    name it ("this incident", "problem PRB-000001") in the user's language.
    """

    def __init__(
        self,
        *,
        status: type[models.TextChoices],
        verbs: Iterable[Verb],
        roles: Callable[[Any, User], AbstractSet[str]],
        forbidden: str | Promise,
        refused: str | Promise,
    ) -> None:
        self.status = status
        self.verbs: dict[str, Verb] = {verb.name: verb for verb in verbs}
        self.roles = roles
        self.forbidden = forbidden
        self.refused = refused
        self.transitions: dict[str, frozenset[str]] = {
            source: frozenset(
                verb.next_status(source)
                for verb in self.verbs.values()
                if source in verb.sources and verb.next_status(source) != source
            )
            for source in status
        }

    def may_use(self, verb: Verb, record: Any, user: User) -> bool:
        """Whether `user` holds a role the verb is for (whatever the record's status)."""
        return bool(verb.roles & self.roles(record, user))

    def permits(self, verb: Verb, record: Any) -> bool:
        """Whether the record's status and state allow the verb now (whoever asks)."""
        return record.status in verb.sources and verb.failed_guard(record) is None

    def allowed(self, record: Any, user: User) -> list[Verb]:
        """The verbs `user` may apply to `record` now, in declaration order."""
        return [
            verb
            for verb in self.verbs.values()
            if self.may_use(verb, record, user) and self.permits(verb, record)
        ]

    def allowed_next(self, status: str) -> list[str]:
        return sorted(self.transitions[self.status(status)])

    def check_rights(self, verb_name: str, record: Any, user: User) -> Verb:
        """Refuse (`Forbidden`) a verb `user` may never use on `record`, whatever its status."""
        verb = self.verbs[verb_name]
        if not self.may_use(verb, record, user):
            raise Forbidden(self.forbidden % {"verb": str(verb.label).lower()})
        return verb

    def authorise(self, verb_name: str, record: Any, user: User | None) -> Verb:
        """Refuse the verb if `user` may not use it (`Forbidden`) or the record does not allow it
        now (`InvalidTransition`: the current status and the next ones allowed, or the guard's
        reason). `user=None` is the system (scheduled tasks) and passes the rights check."""
        verb = self.verbs[verb_name]
        if user is not None:
            self.check_rights(verb_name, record, user)
        allowed = self.allowed_next(record.status)
        extra = {"status": record.status, "allowed": allowed}
        if record.status not in verb.sources:
            raise InvalidTransition(
                self.refused
                % {
                    "verb": str(verb.label).lower(),
                    "number": record.number,
                    "status": record.get_status_display(),
                    "allowed": ", ".join(str(self.status(s).label) for s in allowed) or "—",
                },
                extra=extra,
            )
        guard = verb.failed_guard(record)
        if guard is not None:
            raise InvalidTransition(guard.message, extra={**extra, "guard": guard.name})
        return verb
