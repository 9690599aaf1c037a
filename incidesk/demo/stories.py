"""What happens to each demo incident: when it was registered, the state it has reached, its
scenario, and the steps that took it there, with their times."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings

from incidesk.accounts.models import User
from incidesk.catalog.models import (
    Category,
    Cause,
    HoldReason,
    Level,
    PriorityRule,
    ResolutionCode,
    Service,
)
from incidesk.demo import texts
from incidesk.demo.clocks import SlaLookup
from incidesk.demo.people import Staff
from incidesk.demo.play import Play, Story
from incidesk.demo.texts.scenario import SLOTS, Scenario
from incidesk.incidents.models import Channel, EventKind
from incidesk.incidents.status import Status

HISTORY_DAYS = 90

# Minutes to first response and hours of work, by priority.
RESPONSE_MINUTES = {1: (2, 15), 2: (5, 45), 3: (10, 180), 4: (30, 480), 5: (60, 1440)}
WORK_HOURS = {1: (0.5, 4), 2: (1, 10), 3: (2, 30), 4: (4, 72), 5: (8, 160)}
HOLD_HOURS = (1, 72)
CONFIRM_HOURS = (0.2, 48)  # from resolution to the customer's confirmation or reopening

LEVEL_WEIGHTS = {Level.HIGH: 2, Level.MEDIUM: 5, Level.LOW: 3}
CHANNEL_WEIGHTS = {Channel.PORTAL: 45, Channel.EMAIL: 30, Channel.PHONE: 20, Channel.API: 5}
HOLD_WEIGHTS = {
    HoldReason.AWAITING_CUSTOMER: 45,
    "awaiting_vendor": 30,
    "awaiting_change": 15,
    "awaiting_problem": 10,
}
# Status mix by the incident's age: recent ones are still open, old ones mostly closed. Resolved
# ones are never older than the auto-close window allows (see `_fit`).
# (younger than days, {status: weight})
STATUS_WEIGHTS_BY_AGE: list[tuple[float, dict[str, float]]] = [
    (
        0.1,
        {"new": 35, "in_progress": 40, "on_hold": 8, "resolved": 10, "closed": 2, "cancelled": 5},
    ),
    (2, {"new": 8, "in_progress": 30, "on_hold": 15, "resolved": 25, "closed": 17, "cancelled": 5}),
    (7, {"new": 1, "in_progress": 10, "on_hold": 10, "resolved": 20, "closed": 53, "cancelled": 6}),
    (14, {"in_progress": 8, "on_hold": 8, "resolved": 3, "closed": 75, "cancelled": 6}),
    (HISTORY_DAYS + 1, {"in_progress": 2, "on_hold": 3, "closed": 88.5, "cancelled": 6.5}),
]


class Catalog:
    """Reference data by code, read once."""

    def __init__(self) -> None:
        self.categories = {c.code: c for c in Category.objects.all()}
        self.services = {s.code: s for s in Service.objects.all()}
        self.causes = {c.code: c for c in Cause.objects.select_related("parent")}
        self.resolutions = {r.code: r for r in ResolutionCode.objects.all()}
        self.holds = {h.code: h for h in HoldReason.objects.all()}
        self.matrix = {(r.impact, r.urgency): r.priority for r in PriorityRule.objects.all()}


T = TypeVar("T")


def _weighted(rng: random.Random, weights: Mapping[T, float]) -> Callable[[], T]:
    """A fast chooser for a fixed weight table."""
    population, cumulative = list(weights), list(accumulate(weights.values()))
    return lambda: rng.choices(population, cum_weights=cumulative)[0]


class IncidentBuilder:
    def __init__(
        self,
        rng: random.Random,
        staff: dict[str, Staff],
        customers: list[User],
        *,
        rich: bool,
    ) -> None:
        self.rng, self.staff, self.rich = rng, staff, rich
        self.catalog = Catalog()
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.auto_close = timedelta(days=settings.INCIDESK_AUTO_CLOSE_DAYS)
        self.first_line = staff["first-line"]
        # A few customers report far more than others, as in any real desk.
        self.reporter = _weighted(rng, {c: rng.paretovariate(1.5) for c in customers})
        self.scenario = _weighted(rng, {s: s.weight for s in texts.SCENARIOS})
        self.level = _weighted(rng, LEVEL_WEIGHTS)
        self.channel = _weighted(rng, CHANNEL_WEIGHTS)
        self.hold_reason = _weighted(rng, HOLD_WEIGHTS)
        self.status_choosers = [
            (days, _weighted(rng, weights)) for days, weights in STATUS_WEIGHTS_BY_AGE
        ]
        # Until each of the eight top-level causes has been used once, resolved incidents are
        # given scenarios that need a missing one, so even a small demo covers every cause.
        self.missing_causes = {c.root_code for c in self.catalog.causes.values()}
        self.sla = SlaLookup(self.now)

    # --- when and in what state ---------------------------------------------------------

    def creation_times(self, count: int) -> list[datetime]:
        """Registration times over the last HISTORY_DAYS, oldest first: mostly on working days
        and working hours of the desk's time zone. Oldest first keeps the number and date
        indexes append-only while loading."""
        rng, zone = self.rng, ZoneInfo(settings.TIME_ZONE)
        today = self.now.astimezone(zone).date()
        days = [today - timedelta(days=n) for n in range(HISTORY_DAYS)]
        day = _weighted(rng, {d: 1.0 if d.weekday() < 5 else 0.3 for d in days})
        latest = self.now - timedelta(minutes=5)
        times: list[datetime] = []
        while len(times) < count:
            working = rng.random() < 0.85
            hour = rng.triangular(7.5, 19, 10.5) if working else rng.uniform(0, 24)
            moment = _local(day(), zone) + timedelta(hours=hour)
            if moment <= latest:
                times.append(moment.astimezone(UTC))
        times.sort()
        return times

    def statuses(self, created: list[datetime]) -> list[str]:
        """A status per incident by its age; the newest few take any missing one, so every
        status is present even in a small demo."""
        statuses = []
        for moment in created:
            age = (self.now - moment).total_seconds() / 86400
            choose = next(chooser for days, chooser in self.status_choosers if age < days)
            statuses.append(choose())
        missing = [s for s in Status if s not in set(statuses)]
        for offset, status in enumerate(missing, start=1):
            if offset <= len(statuses):
                statuses[-offset] = status
        return statuses

    # --- one incident ---------------------------------------------------------------------

    def story(self, number: str, created: datetime, status: str) -> Story:
        rng, catalog = self.rng, self.catalog
        scenario = self._scenario(ending=status in (Status.RESOLVED, Status.CLOSED))
        slots = {name: rng.choice(values) for name, values in SLOTS.items()}
        impact, urgency = self.level(), self.level()
        channel = self.channel()
        customer = self.reporter()
        priority = catalog.matrix[(impact, urgency)]
        title, description = rng.choice(scenario.problems)
        incident = {
            "number": number,
            "kind": scenario.kind,
            "title": title.format(**slots),
            "description": description.format(**slots),
            "impact": impact,
            "urgency": urgency,
            "priority": priority,
            "status": Status.NEW,
            "category_id": catalog.categories[scenario.category].pk,
            "service_id": catalog.services[scenario.service].pk,
            "reporter_id": customer.pk,
            "organisation_id": customer.organisation_id,
            "channel": channel,
            "created_at": created,
        }
        reporter: User | None = customer
        if channel in (Channel.EMAIL, Channel.PHONE) and rng.random() < 0.05:
            # Someone without an account wrote or called in.
            incident.update(reporter_id=None, organisation_id=None, contact_name=customer.full_name)
            if channel == Channel.EMAIL:
                incident["contact_email"] = f"{customer.email.split('@')[0]}@mail.example"
            else:
                incident["contact_phone"] = f"+7 9{rng.randrange(10**9):09d}"
            reporter = None
        registrar = rng.choice(self.first_line.agents) if channel == Channel.PHONE else reporter
        story = Story(incident)
        story.event(
            EventKind.CREATED,
            created,
            registrar,
            public=True,
            channel=channel,
            priority=incident["priority"],
        )
        steps = self._steps(status, priority, escalate=scenario.team != "first-line")
        times = self._fit(created, steps, status)
        Play(self, story, scenario, reporter).run(steps, times)
        story.clocks = self.sla.clocks(incident, story.events)
        incident["updated_at"] = story.events[-1]["at"]
        incident["version"] = 1 + len(steps)
        return story

    def _scenario(self, ending: bool) -> Scenario:
        if ending and self.missing_causes:
            root = min(self.missing_causes)
            candidates = [s for s in texts.SCENARIOS if root in self._roots(s)]
            return self.rng.choice(candidates)
        return self.scenario()

    def _roots(self, scenario: Scenario) -> set[str]:
        return {self.catalog.causes[code].root_code for code in scenario.causes}

    def cause(self, scenario: Scenario) -> Cause:
        codes = [
            c for c in scenario.causes if self.catalog.causes[c].root_code in self.missing_causes
        ]
        cause = self.catalog.causes[self.rng.choice(codes or scenario.causes)]
        self.missing_causes.discard(cause.root_code)
        return cause

    def _steps(self, status: str, priority: int, *, escalate: bool) -> list[tuple[str, float]]:  # noqa: C901  one branch per status and per chance, read as the incident's story
        """The verbs applied to the incident, each with its natural delay in seconds."""
        rng, rich = self.rng, self.rich
        respond = rng.uniform(*RESPONSE_MINUTES[priority]) * 60
        work = rng.uniform(*WORK_HOURS[priority]) * 3600
        hold = rng.uniform(*HOLD_HOURS) * 3600
        if status == Status.NEW:
            return []
        if status == Status.CANCELLED:
            if rng.random() < 0.5:
                return [("cancel", respond)]
            return [("accept", respond), ("cancel", work * 0.3)]
        steps = [("accept", respond)]
        if rich:
            if escalate and rng.random() < 0.3:
                steps.append(("escalate", rng.uniform(5, 60) * 60))
            if rng.random() < 0.35:
                steps.append(("reply", rng.uniform(1, 30) * 60))
            if rng.random() < 0.25:
                steps.append(("note", rng.uniform(5, 120) * 60))
        if rng.random() < 0.02:
            steps.append(("override", rng.uniform(5, 60) * 60))
        if status == Status.ON_HOLD:
            return [*steps, ("hold", work * 0.3)]
        if rich and rng.random() < 0.25:
            steps += [("hold", work * 0.3), ("resume", hold)]
        if status == Status.IN_PROGRESS:
            return steps
        steps.append(("resolve", work))
        if status == Status.RESOLVED:
            return steps
        if rich and rng.random() < 0.06:
            steps += [("reopen", rng.uniform(*CONFIRM_HOURS) * 3600), ("resolve", work * 0.5)]
        roll = rng.random()
        if self.auto_close and roll < 0.55:
            steps.append(("auto_close", self.auto_close.total_seconds() + rng.uniform(1, 120)))
        else:
            kind = "confirm" if roll < 0.9 else "staff_close"
            steps.append((kind, rng.uniform(*CONFIRM_HOURS) * 3600))
        return steps

    def _fit(self, created: datetime, steps: list[tuple[str, float]], status: str) -> list:
        """Absolute times for the steps, squeezed to end before now. A resolved incident is
        resolved within the auto-close window, or the auto-close would have closed it."""
        rng = self.rng
        room = (self.now - created).total_seconds() - 60
        delays = [delay for _, delay in steps]
        if delays and sum(delays) > room and steps[-1][0] == "auto_close":
            steps[-1] = ("confirm", rng.uniform(*CONFIRM_HOURS) * 3600)
            delays[-1] = steps[-1][1]
        total = sum(delays)
        if total > room:
            factor = room * rng.uniform(0.3, 0.95) / total
            delays = [max(1.0, delay * factor) for delay in delays]
        if status == Status.RESOLVED and self.auto_close:
            earliest = room + 60 - self.auto_close.total_seconds()
            total = sum(delays)
            if total < earliest:
                delays[-1] += rng.uniform(earliest - total, room - total)
        return [created + timedelta(seconds=s) for s in accumulate(delays)]


def _local(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)
