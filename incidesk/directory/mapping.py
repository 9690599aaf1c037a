"""Directory groups → Incidesk role and teams: the one rule sign-in, sync and the admin's page
all read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from incidesk.accounts.models import Role
from incidesk.directory.models import GroupMapping, normalise_dn

# Least to most privileged; with no mapped group a person is a customer.
RANK: dict[str, int] = {Role.CUSTOMER: 0, Role.AGENT: 1, Role.LEAD: 2, Role.ADMIN: 3}


@dataclass(frozen=True)
class Access:
    """The role and teams a set of groups gives, and the mappings that gave them."""

    role: str
    teams: frozenset[int]
    matched: tuple[GroupMapping, ...]
    managed_teams: frozenset[int]

    @property
    def role_reason(self) -> GroupMapping | None:
        """The first mapping, in order, that gave the winning role (None: no group matched)."""
        return next((m for m in self.matched if m.role == self.role), None)


def load_mappings() -> list[GroupMapping]:
    return list(GroupMapping.objects.select_related("team"))


def decide(groups: Iterable[str], mappings: Sequence[GroupMapping]) -> Access:
    """The most privileged role among the mappings whose group the person is in (directly or
    through nested groups: `groups` is already the closure), and every team they name."""
    mine = {normalise_dn(group) for group in groups}
    matched = tuple(m for m in mappings if m.group_dn in mine)
    role = max((m.role for m in matched), key=RANK.__getitem__, default=Role.CUSTOMER)
    return Access(
        role=role,
        teams=frozenset(m.team_id for m in matched if m.team_id),
        matched=matched,
        managed_teams=frozenset(m.team_id for m in mappings if m.team_id),
    )
