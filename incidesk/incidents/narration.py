"""The names behind the codes a timeline event stores.

Events keep what was true when they happened as stable codes (a hold reason's `code`, a team's
slug, a person's e-mail), so history keeps its meaning when a name changes. People read names:
`Names.of(events)` looks every code of a list of events up at once (one query per kind of
reference that occurs), and its methods give the name in the active language. The console's and
the portal's timelines both tell their events through it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from incidesk.accounts.models import Team, User
from incidesk.catalog.models import Category, Cause, HoldReason, ResolutionCode, Service
from incidesk.fields import definitions
from incidesk.fields.definitions import Definitions
from incidesk.incidents.models import EventKind, TimelineEvent

# Incident fields whose timeline values are reference codes, and the model each code names.
REFERENCE_FIELDS: dict[str, type[Model]] = {
    "category": Category,
    "service": Service,
    "cause": Cause,
}


def lower_first(text: str) -> str:
    """A name as it reads after a colon: "Отложен: ожидание ответа заявителя". Names that
    start with an abbreviation (VPN, CRM) keep their capitals."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def actor_name(actor: User | None) -> str:
    """Who made a change, as customers and staff both read it: the system by the desk's name,
    desk staff marked as support."""
    if actor is None:
        return _("Incidesk")
    if actor.is_desk_staff:
        return _("%(name)s, support") % {"name": actor.display_name}
    return actor.display_name


def _codes(events: Iterable[TimelineEvent]) -> dict[type[Model], set[str]]:
    """Every reference code the events mention, by the model that names it."""
    wanted: dict[type[Model], set[str]] = defaultdict(set)
    for event in events:
        data = event.data
        if event.kind == EventKind.STATUS_CHANGED:
            wanted[HoldReason].add(data.get("hold_reason"))
            wanted[ResolutionCode].add(data.get("resolution_code"))
        elif event.kind == EventKind.FIELD_CHANGED and data.get("field") in REFERENCE_FIELDS:
            model = REFERENCE_FIELDS[data["field"]]
            wanted[model] |= {data.get("old"), data.get("new")}
        elif event.kind == EventKind.ASSIGNED:
            wanted[Team] |= {data.get("team"), data.get("old_team")}
            wanted[User] |= {data.get("assignee"), data.get("old_assignee")}
        elif event.kind == EventKind.NOTIFIED:
            wanted[User] |= set(data.get("to", []))
        elif event.kind in (EventKind.SLA_PAUSED, EventKind.SLA_RESUMED):
            wanted[HoldReason].add(data.get("reason"))
    return {model: {c for c in codes if c} for model, codes in wanted.items() if any(codes)}


@dataclass
class Names:
    """Names by code for one list of events, each kind looked up (one query for all its codes)
    the first time one of them is asked for. A code that names nothing (an entry removed by
    hand) is shown as stored rather than dropped."""

    wanted: dict[type[Model], set[str]]
    found: dict[type[Model], dict[str, str]] = field(default_factory=dict)
    _custom: Definitions | None = None

    @classmethod
    def of(cls, events: Iterable[TimelineEvent]) -> Names:
        return cls(_codes(events))

    def _lookup(self, model: type[Model]) -> dict[str, str]:
        if model not in self.found:
            codes = self.wanted.get(model, set())
            if not codes:
                self.found[model] = {}
            elif model is User:
                people = User.objects.filter(email__in=codes).only("email", "full_name")
                self.found[model] = {p.email: p.display_name for p in people}
            else:
                # Reference entries and teams: a `code` and a `name` in the viewer's language.
                rows: Iterable[Any] = model._default_manager.filter(code__in=codes)
                self.found[model] = {row.code: row.name for row in rows}
        return self.found[model]

    def name(self, model: type[Model], code: Any) -> str:
        if code in (None, ""):
            return ""
        return self._lookup(model).get(code, str(code))

    def custom_fields(self) -> Definitions:
        """The custom field definitions, read once per list (their labels and choices)."""
        if self._custom is None:
            self._custom = definitions.current()
        return self._custom

    def hold_reason(self, code: Any) -> str:
        return self.name(HoldReason, code)

    def resolution_code(self, code: Any) -> str:
        return self.name(ResolutionCode, code)

    def team(self, code: Any) -> str:
        return self.name(Team, code)

    def person(self, email: Any) -> str:
        return self.name(User, email)

    def assignment(self, data: dict[str, Any]) -> str:
        """ "Назначен: Дмитрий Козлов, группа «Первая линия»", or what is left of it."""
        person, team = self.person(data.get("assignee")), self.team(data.get("team"))
        if person and team:
            return _("Assigned: %(person)s, team «%(team)s»") % {"person": person, "team": team}
        if person:
            return _("Assigned: %(person)s") % {"person": person}
        if team:
            return _("Passed to team «%(team)s», nobody assigned") % {"team": team}
        return _("Assignment removed")
