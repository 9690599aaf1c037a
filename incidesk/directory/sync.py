"""`incidesk ldap sync`: bring every directory person in ahead of their first sign-in, update
those who changed, deactivate those who left — after showing the difference, and never a mass
deactivation by accident (a wrong base DN or filter finds nobody, which looks like everybody
left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from incidesk.accounts.models import User
from incidesk.directory.mapping import decide, load_mappings
from incidesk.directory.models import DirectoryAccount
from incidesk.directory.people import Index, Person, Update, mark_left, plan, write


@dataclass
class Plan:
    """The difference between the directory and Incidesk."""

    new: list[Update] = field(default_factory=list)
    changed: list[Update] = field(default_factory=list)
    deactivate: list[User] = field(default_factory=list)
    conflicts: list[Update] = field(default_factory=list)
    active: int = 0  # active people linked to the directory now
    without_email: int = 0

    @property
    def deactivate_share(self) -> float:
        """Per cent of the active directory people this would deactivate."""
        return 100.0 * len(self.deactivate) / self.active if self.active else 0.0


def make_plan(people: Sequence[Person]) -> Plan:
    """Compare the directory's people with the local accounts; writes nothing. People without
    an e-mail address (service and computer accounts, mostly) are only counted."""
    mappings = load_mappings()
    names = {m.team.id: m.team.name for m in mappings if m.team is not None}
    index = Index(people)
    result = Plan()
    present: set[int] = set()
    for person in people:
        if person.disabled:
            continue
        if not person.email:
            result.without_email += 1
            continue
        update = plan(person, index, decide(person.groups, mappings), names)
        if update.user is not None:
            present.add(update.user.pk)
        if update.conflict:
            result.conflicts.append(update)
        elif update.is_new:
            result.new.append(update)
        elif update.changes or update.reactivate:
            result.changed.append(update)
    linked = list(DirectoryAccount.objects.filter(user__is_active=True).select_related("user"))
    result.active = len(linked)
    result.deactivate = [a.user for a in linked if a.user_id not in present]
    return result


def apply_plan(result: Plan) -> None:
    """Write the plan, one transaction per person (a failure leaves the others done)."""
    now = timezone.now()
    for update in result.new + result.changed:
        write(update, now)
    for user in result.deactivate:
        with transaction.atomic():
            mark_left(user, now)
