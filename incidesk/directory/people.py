"""Directory people → local accounts: the one write path sign-in and `ldap sync` share.

A directory entry becomes a `Person`; `Index` finds the account it is (by directory ID, then DN,
then e-mail); `plan` says what would change and `write` changes it, in one transaction. Role and
teams follow `mapping.decide` unless an admin pinned them (`DirectoryAccount.local_override`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidesk.accounts.models import Team, User
from incidesk.core.text import clean_line
from incidesk.directory.mapping import Access, decide, load_mappings
from incidesk.directory.models import DirectoryAccount, normalise_dn

# userAccountControl's ACCOUNTDISABLE bit (Active Directory), and the value ppolicy writes to
# pwdAccountLockedTime for an account an administrator locked for good (OpenLDAP).
ACCOUNTDISABLE = 0x2
LOCKED_FOR_GOOD = "000001010000Z"


@dataclass(frozen=True)
class Person:
    """What the directory says about one person."""

    dn: str
    uid: str
    login: str
    email: str
    full_name: str
    phone: str
    department: str
    disabled: bool
    groups: frozenset[str]


def _values(attrs: Mapping[str, Sequence[str | bytes]], name: str) -> list[str | bytes]:
    for key, values in attrs.items():
        if key.lower() == name.lower():
            return list(values)
    return []


def _text(attrs: Mapping[str, Sequence[str | bytes]], name: str) -> str:
    values = _values(attrs, name)
    if not values:
        return ""
    value = values[0]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _uid(attrs: Mapping[str, Sequence[str | bytes]]) -> str:
    """Active Directory's objectGUID (16 bytes, little-endian fields) or OpenLDAP's entryUUID:
    an ID that survives renames and moves, unlike the DN and the e-mail."""
    guid = _values(attrs, "objectGUID")
    if guid:
        raw = guid[0] if isinstance(guid[0], bytes) else guid[0].encode("latin-1")
        if len(raw) == 16:
            return str(uuid.UUID(bytes_le=raw))
    return _text(attrs, "entryUUID").lower()


def person_from_entry(
    dn: str, attrs: Mapping[str, Sequence[str | bytes]], groups: Iterable[str], conf: dict
) -> Person:
    names = conf["attributes"]
    control = _text(attrs, "userAccountControl")
    disabled = (control.isdigit() and bool(int(control) & ACCOUNTDISABLE)) or _text(
        attrs, "pwdAccountLockedTime"
    ) == LOCKED_FOR_GOOD
    return Person(
        dn=normalise_dn(dn),
        uid=_uid(attrs),
        login=_text(attrs, conf["login_attr"]),
        email=_text(attrs, names["email"]).strip().lower(),
        # Cut to the columns' lengths: a directory allows longer values than the desk stores.
        full_name=clean_line(_text(attrs, names["full_name"]))[:200],
        phone=clean_line(_text(attrs, names["phone"]))[:50],
        department=clean_line(_text(attrs, names["department"]))[:200],
        disabled=disabled,
        groups=frozenset(normalise_dn(group) for group in groups),
    )


class Index:
    """The local accounts of some directory people, read in a few queries."""

    def __init__(self, people: Sequence[Person]) -> None:
        uids = [p.uid for p in people if p.uid]
        dns = [p.dn for p in people]
        accounts = DirectoryAccount.objects.select_related("user").filter(
            Q(uid__in=uids) | Q(dn__in=dns)
        )
        self.by_uid = {a.uid: a for a in accounts if a.uid}
        self.by_dn = {a.dn: a for a in accounts}
        emails = [p.email for p in people if p.email]
        self.by_email = {u.email: u for u in User.objects.filter(email__in=emails)}
        self.linked = set(
            DirectoryAccount.objects.filter(user__in=self.by_email.values()).values_list(
                "user_id", flat=True
            )
        )
        users = [a.user_id for a in accounts] + [u.pk for u in self.by_email.values()]
        self.teams: dict[int, set[int]] = {}
        for user_id, team_id in Team.members.through.objects.filter(user_id__in=users).values_list(
            "user_id", "team_id"
        ):
            self.teams.setdefault(user_id, set()).add(team_id)

    def find(self, person: Person) -> tuple[User | None, DirectoryAccount | None]:
        account = (person.uid and self.by_uid.get(person.uid)) or self.by_dn.get(person.dn)
        if account is not None and account.uid and person.uid and account.uid != person.uid:
            # The same DN for a new entry: a new person took the old one's login.
            account = None
        if account is not None:
            return account.user, account
        user = self.by_email.get(person.email)
        if user is not None and user.pk in self.linked:
            # Linked to another directory entry already: not this person's to take.
            return None, None
        return user, None


@dataclass
class Update:
    """One person's difference between the directory and Incidesk."""

    person: Person
    user: User | None
    account: DirectoryAccount | None
    access: Access
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    reactivate: bool = False
    conflict: str = ""

    @property
    def is_new(self) -> bool:
        return self.user is None

    @property
    def pinned(self) -> bool:
        return self.account is not None and self.account.local_override


def _team_names(ids: Iterable[int], names: Mapping[int, str]) -> str:
    return ", ".join(sorted(names[i] for i in ids))


def plan(person: Person, index: Index, access: Access, team_names: Mapping[int, str]) -> Update:
    """What writing this person would change (nothing is written)."""
    user, account = index.find(person)
    update = Update(person=person, user=user, account=account, access=access)
    owner = index.by_email.get(person.email)
    if not person.email:
        update.conflict = _("no e-mail address in the directory")
    elif owner is not None and owner != user:
        update.conflict = _("the e-mail address belongs to another account")
    if user is None:
        return update
    fields = {"email": person.email, "full_name": person.full_name, "phone": person.phone}
    for name, new in fields.items():
        if getattr(user, name) != new:
            update.changes[name] = (getattr(user, name), new)
    if (account.department if account else "") != person.department:
        update.changes["department"] = (account.department if account else "", person.department)
    if not update.pinned:
        if user.role != access.role:
            update.changes["role"] = (user.role, access.role)
        mine = index.teams.get(user.pk, set()) & access.managed_teams
        if mine != set(access.teams):
            update.changes["teams"] = (
                _team_names(mine, team_names),
                _team_names(access.teams, team_names),
            )
    update.reactivate = not user.is_active and account is not None and account.left_at is not None
    return update


@transaction.atomic
def write(update: Update, now: datetime) -> User:
    """Create or update the person's account, role, teams and directory record."""
    person, user = update.person, update.user
    if user is None:
        user = User(email=person.email, role=update.access.role)
        user.set_unusable_password()
    user.email, user.full_name, user.phone = person.email, person.full_name, person.phone
    if not update.pinned:
        user.role = update.access.role
    if update.reactivate:
        user.is_active = True
    user.save()
    if not update.pinned:
        managed = update.access.managed_teams
        user.teams.remove(*(managed - update.access.teams))
        user.teams.add(*update.access.teams)
    user.directory_account, _created = DirectoryAccount.objects.update_or_create(
        user=user,
        defaults={
            "dn": person.dn,
            "uid": person.uid,
            "login": person.login,
            "department": person.department,
            "groups": sorted(person.groups),
            "synced_at": now,
            "left_at": None,
        },
    )
    return user


@transaction.atomic
def mark_left(user: User, now: datetime) -> None:
    """Deactivate a person who left the directory or was disabled there; deactivation ends
    their sessions and revokes their tokens (`accounts.signals`)."""
    DirectoryAccount.objects.filter(user=user, left_at=None).update(left_at=now)
    if user.is_active:
        user.is_active = False
        user.save()


def sign_in(person: Person) -> User | None:
    """The account a person who just proved their directory password signs in as, brought up
    to date; None when they may not (disabled in the directory, no usable e-mail, deactivated
    here by an admin)."""
    index = Index([person])
    user, account = index.find(person)
    now = timezone.now()
    if person.disabled:
        # Only an account linked to this entry: a local one merely sharing the address is not
        # the directory's to switch off.
        if account is not None:
            mark_left(account.user, now)
        return None
    mappings = load_mappings()
    names = {m.team.id: m.team.name for m in mappings if m.team is not None}
    update = plan(person, index, decide(person.groups, mappings), names)
    if update.conflict:
        return None
    if user is not None and not user.is_active and not update.reactivate:
        return None
    return write(update, now)
