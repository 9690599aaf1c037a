"""A realistic demo desk: teams, customers and N historical incidents with their timelines.

Incidents are inserted in bulk here, bypassing `incidents.actions` on purpose: this is an import
of history (incidents registered, worked and closed in the past), which the actions cannot express
(they stamp "now", lock one row at a time, notify people), and a million of them must load in
minutes. So the builder keeps the actions' invariants itself:

- numbers are reserved from the INC counter in one step, so later creations continue after them;
- priority comes from the matrix, except a few overridden by a lead with a timeline event;
- `hold_reason` is set exactly when on hold; resolved and closed incidents have a cause,
  resolution code and notes; cancelled ones a reason;
- created_at < first_response_at < resolved_at < closed_at <= now, and the timeline events
  (created, assigned, status changes, replies, notes) carry the same times, in the same shapes
  the actions record;
- every incident has its search document (and FTS5 row on SQLite);
- a resolved incident has its auto-close task queued, as `do_resolve` would have done;
- every incident has the SLA clocks its policy gives, replayed from its own timeline by
  `sla.history` (a clock past due is breached and the incident flagged escalated; the queue
  columns carry the open clocks' due times); each clock still running has a check queued for now,
  which fires nothing already passed and schedules the next threshold, so warnings go on from
  the present instead of replaying the past. The clocks' own timeline events (paused, resumed,
  warning, breached, escalated) are not written: the SLA explanation of a demo incident tells
  its targets, stops and cancellations only.

Above RICH_LIMIT incidents timelines are kept to 2-4 events each (no replies, notes,
escalations or reopenings), and rows go in through plain INSERTs (`_Table`): a million incidents
load in about seven and a half minutes on SQLite on two cores, three of them for the SLA clocks
(mostly business-time arithmetic: a due time, and for thresholds a used time, per clock).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, partial
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import DateTimeField, F, JSONField, Model
from django.db.models.fields import AutoFieldMixin

from incidesk.accounts.models import Organisation, Role, Team, User
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
from incidesk.incidents.models import (
    Channel,
    Comment,
    EventKind,
    Incident,
    NumberCounter,
    SearchDocument,
    TimelineEvent,
    Visibility,
)
from incidesk.incidents.numbering import PREFIX
from incidesk.incidents.search import FTS_TABLE, stem_words
from incidesk.incidents.status import Status
from incidesk.incidents.tasks import auto_close_incident
from incidesk.sla import history
from incidesk.sla.clocks import DEFAULT_THRESHOLDS, policy_for
from incidesk.sla.models import ClockState, Metric, SlaClock, SlaPolicy, SlaTarget
from incidesk.sla.tasks import check_clock

ADMIN_EMAIL = "admin@example.com"
# Always the first customer of the first organisation, so the README can name a login.
DEMO_CUSTOMER = ("Мария Иванова", "m.ivanova")
STAFF_DOMAIN = "example.com"
PASSWORDS = {
    Role.ADMIN: "demo-admin",
    Role.LEAD: "demo-lead",
    Role.AGENT: "demo-agent",
    Role.CUSTOMER: "demo-customer",
}
HISTORY_DAYS = 90
CUSTOMERS_PER_ORGANISATION = 10
CHUNK = 5000  # incidents written per transaction
BATCH = 1000  # rows per INSERT (PostgreSQL allows at most 65535 parameters a statement)
RICH_LIMIT = 20_000

# Minutes to first response and hours of work, by priority.
RESPONSE_MINUTES = {1: (2, 15), 2: (5, 45), 3: (10, 180), 4: (30, 480), 5: (60, 1440)}
WORK_HOURS = {1: (0.5, 4), 2: (1, 10), 3: (2, 30), 4: (4, 72), 5: (8, 160)}
HOLD_HOURS = (1, 72)
# Share of confirmed incidents the customer rates, and how they rate (1..5): lower after a
# reopening or an escalation.
RATED_SHARE = 0.6
SATISFACTION_WEIGHTS = {False: [2, 3, 8, 30, 57], True: [12, 18, 30, 25, 15]}
CONFIRM_HOURS = (0.2, 48)

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
STATUS_WEIGHTS_BY_AGE = [  # (younger than days, {status: weight})
    (
        0.1,
        {"new": 35, "in_progress": 40, "on_hold": 8, "resolved": 10, "closed": 2, "cancelled": 5},
    ),
    (2, {"new": 8, "in_progress": 30, "on_hold": 15, "resolved": 25, "closed": 17, "cancelled": 5}),
    (7, {"new": 1, "in_progress": 10, "on_hold": 10, "resolved": 20, "closed": 53, "cancelled": 6}),
    (14, {"in_progress": 8, "on_hold": 8, "resolved": 3, "closed": 75, "cancelled": 6}),
    (HISTORY_DAYS + 1, {"in_progress": 2, "on_hold": 3, "closed": 88.5, "cancelled": 6.5}),
]


class AlreadyLoaded(Exception):
    pass


@dataclass
class Summary:
    """What was built, for the command to print."""

    logins: list[tuple[str, str, str]]  # (role, e-mail, password)
    customers: int
    organisations: int
    incidents: int
    events: int
    comments: int
    statuses: Counter[str]


@dataclass
class _Staff:
    team: Team
    lead: User
    agents: list[User]


@dataclass
class _Story:
    """One incident and its timeline as rows by attribute name, before ids exist."""

    incident: dict
    events: list[dict] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    replies: list[tuple[dict, Comment]] = field(default_factory=list)
    clocks: list[dict] = field(default_factory=list)

    def event(
        self, kind: EventKind, at: datetime, actor: User | None, *, public: bool, **data
    ) -> dict:
        actor_id = actor.pk if actor else None
        event = {"kind": kind, "at": at, "actor_id": actor_id, "is_public": public, "data": data}
        self.events.append(event)
        return event

    def comment(self, at: datetime, author: User | None, body: str, visibility: str) -> None:
        comment = Comment(author=author, body=body, visibility=visibility, created_at=at)
        public = visibility == Visibility.PUBLIC
        kind = EventKind.PUBLIC_REPLY if public else EventKind.INTERNAL_NOTE
        self.comments.append(comment)
        self.replies.append((self.event(kind, at, author, public=public), comment))


def is_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


def build(
    *,
    incidents: int,
    seed: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Summary:
    """Create the demo people and `incidents` incidents. Raises AlreadyLoaded on a second run."""
    if is_loaded():
        raise AlreadyLoaded(ADMIN_EMAIL)
    rng = random.Random(seed)
    with transaction.atomic():
        logins, staff, customers = _create_people(rng)
        first_number = _reserve_numbers(incidents)
    builder = _IncidentBuilder(rng, staff, customers, rich=incidents <= RICH_LIMIT)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB: index pages stay in memory
    tables = {
        "incident": _Table(Incident),
        "event": _Table(TimelineEvent),
        "document": _Table(SearchDocument),
        "clock": _Table(SlaClock),
    }
    created = builder.creation_times(incidents)
    statuses = builder.statuses(created)
    summary = Summary(
        logins=logins,
        customers=len(customers),
        organisations=len(texts.ORGANISATIONS),
        incidents=incidents,
        events=0,
        comments=0,
        statuses=Counter(statuses),
    )
    for start in range(0, incidents, CHUNK):
        stories = [
            builder.story(f"{PREFIX}-{first_number + i:06d}", created[i], statuses[i])
            for i in range(start, min(start + CHUNK, incidents))
        ]
        _write(stories, builder, tables)
        summary.events += sum(len(story.events) for story in stories)
        summary.comments += sum(len(story.comments) for story in stories)
        progress(start + len(stories), incidents)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics for a table that just grew a lot
    return summary


def _create_people(rng: random.Random) -> tuple[list, dict[str, _Staff], list[User]]:
    # One hash per password: hashing is deliberately slow, and these are demo accounts.
    hashes = {role: make_password(password) for role, password in PASSWORDS.items()}
    logins = []

    def user(email: str, name: str, role: Role, **fields) -> User:
        person = User(email=email, full_name=name, role=role, password=hashes[role], **fields)
        person.save()
        if role != Role.CUSTOMER:
            logins.append((role.label, email, PASSWORDS[role]))
        return person

    user(ADMIN_EMAIL, "Администратор", Role.ADMIN)
    staff = {}
    for code, name, (lead_name, lead_login), agents in texts.TEAMS:
        lead = user(f"{lead_login}@{STAFF_DOMAIN}", lead_name, Role.LEAD)
        members = [user(f"{login}@{STAFF_DOMAIN}", n, Role.AGENT) for n, login in agents]
        team = Team.objects.create(code=code, name=name, lead=lead)
        team.members.add(lead, *members)
        staff[code] = _Staff(team, lead, members)

    customers, emails = [], set()
    for name, domain, shared in texts.ORGANISATIONS:
        organisation = Organisation.objects.create(name=name, shared_visibility=shared)
        members = 0
        if not customers:
            full_name, login = DEMO_CUSTOMER
            emails.add(f"{login}@{domain}")
            members += 1
            customers.append(
                user(f"{login}@{domain}", full_name, Role.CUSTOMER, organisation=organisation)
            )
            logins.append((Role.CUSTOMER.label, customers[-1].email, PASSWORDS[Role.CUSTOMER]))
        while members < CUSTOMERS_PER_ORGANISATION:
            female = rng.random() < 0.55
            first, initial = rng.choice(texts.FEMALE_NAMES if female else texts.MALE_NAMES)
            surname, latin = rng.choice(texts.SURNAMES)
            if female:
                surname, latin = surname + "а", latin + "a"
            email = f"{initial}.{latin}@{domain}"
            if email in emails:
                continue
            emails.add(email)
            members += 1
            customers.append(
                user(email, f"{first} {surname}", Role.CUSTOMER, organisation=organisation)
            )
        logins.append((Role.CUSTOMER.label, customers[-1].email, PASSWORDS[Role.CUSTOMER]))
    return logins, staff, customers


def _reserve_numbers(count: int) -> int:
    """Take `count` numbers from the counter at once; returns the first."""
    NumberCounter.objects.get_or_create(prefix=PREFIX)
    NumberCounter.objects.filter(prefix=PREFIX).update(last=F("last") + count)
    return NumberCounter.objects.get(prefix=PREFIX).last - count + 1


class _Catalog:
    """Reference data by code, read once."""

    def __init__(self) -> None:
        self.categories = {c.code: c for c in Category.objects.all()}
        self.services = {s.code: s for s in Service.objects.all()}
        self.causes = {c.code: c for c in Cause.objects.select_related("parent")}
        self.resolutions = {r.code: r for r in ResolutionCode.objects.all()}
        self.holds = {h.code: h for h in HoldReason.objects.all()}
        self.matrix = {(r.impact, r.urgency): r.priority for r in PriorityRule.objects.all()}


def _weighted(rng: random.Random, weights: dict) -> Callable[[], object]:
    """A fast chooser for a fixed weight table."""
    population, cumulative = list(weights), list(accumulate(weights.values()))
    return lambda: rng.choices(population, cum_weights=cumulative)[0]


class _IncidentBuilder:
    def __init__(
        self,
        rng: random.Random,
        staff: dict[str, _Staff],
        customers: list[User],
        *,
        rich: bool,
    ) -> None:
        self.rng, self.staff, self.rich = rng, staff, rich
        self.catalog = _Catalog()
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
        self.sla = _Sla(self.now)

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
        times = []
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

    def story(self, number: str, created: datetime, status: str) -> _Story:
        rng, catalog = self.rng, self.catalog
        scenario = self._scenario(ending=status in (Status.RESOLVED, Status.CLOSED))
        slots = {name: rng.choice(values) for name, values in texts.SLOTS.items()}
        impact, urgency = self.level(), self.level()
        channel = self.channel()
        customer = self.reporter()
        title, description = rng.choice(scenario.problems)
        incident = {
            "number": number,
            "kind": scenario.kind,
            "title": title.format(**slots),
            "description": description.format(**slots),
            "impact": impact,
            "urgency": urgency,
            "priority": catalog.matrix[(impact, urgency)],
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
        story = _Story(incident)
        story.event(
            EventKind.CREATED,
            created,
            registrar,
            public=True,
            channel=channel,
            priority=incident["priority"],
        )
        steps = self._steps(status, incident["priority"], escalate=scenario.team != "first-line")
        times = self._fit(created, steps, status)
        _Play(self, story, scenario, reporter).run(steps, times)
        story.clocks = self.sla.clocks(incident, story.events)
        incident["updated_at"] = story.events[-1]["at"]
        incident["version"] = 1 + len(steps)
        return story

    def _scenario(self, ending: bool) -> texts.Scenario:
        if ending and self.missing_causes:
            root = min(self.missing_causes)
            candidates = [s for s in texts.SCENARIOS if root in self._roots(s)]
            return self.rng.choice(candidates)
        return self.scenario()

    def _roots(self, scenario: texts.Scenario) -> set[str]:
        return {self.catalog.causes[code].root_code for code in scenario.causes}

    def cause(self, scenario: texts.Scenario) -> Cause:
        codes = [
            c for c in scenario.causes if self.catalog.causes[c].root_code in self.missing_causes
        ]
        cause = self.catalog.causes[self.rng.choice(codes or scenario.causes)]
        self.missing_causes.discard(cause.root_code)
        return cause

    def _steps(self, status: str, priority: int, *, escalate: bool) -> list[tuple[str, float]]:
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


class _Play:
    """Applies the steps of one incident: sets its fields and records the timeline the
    actions would have recorded (same kinds, same data keys)."""

    def __init__(
        self,
        builder: _IncidentBuilder,
        story: _Story,
        scenario: texts.Scenario,
        reporter: User | None,
    ) -> None:
        self.b, self.story, self.scenario, self.reporter = builder, story, scenario, reporter
        self.incident = story.incident
        self.rng = builder.rng
        self.target = builder.staff[scenario.team]
        self.agent = self.rng.choice(self.target.agents)
        self.team: _Staff | None = None
        self.assignee: User | None = None
        self.hold_code = ""
        self.escalates = False

    def run(self, steps: list[tuple[str, float]], times: list[datetime]) -> None:
        self.escalates = any(name == "escalate" for name, _delay in steps)
        for (name, _delay), at in zip(steps, times, strict=True):
            getattr(self, "_" + name)(at)

    def _status(self, at: datetime, actor: User | None, new: str, **details) -> None:
        old, self.incident["status"] = self.incident["status"], new
        self.story.event(
            EventKind.STATUS_CHANGED, at, actor, public=True, old=old, new=new, **details
        )

    def _assigned(self, at: datetime, actor: User, staff: _Staff, agent: User) -> None:
        if self.b.rich:
            self.story.event(
                EventKind.ASSIGNED,
                at,
                actor,
                public=False,
                team=staff.team.code,
                assignee=agent.email,
                old_team=self.team.team.code if self.team else None,
                old_assignee=self.assignee.email if self.assignee else None,
            )
        self.team, self.assignee = staff, agent
        self.incident.update(team_id=staff.team.pk, assignee_id=agent.pk)

    def _accept(self, at: datetime) -> None:
        # Escalated incidents are first taken by the first line, then moved on (`_escalate`).
        staff = self.b.first_line if self.escalates else self.target
        agent = self.rng.choice(staff.agents) if self.escalates else self.agent
        self._status(at, agent, Status.IN_PROGRESS)
        self._assigned(at, agent, staff, agent)
        self.incident["first_response_at"] = at

    def _escalate(self, at: datetime) -> None:
        self._assigned(at, self.b.first_line.lead, self.target, self.agent)

    def _reply(self, at: datetime) -> None:
        body = self.rng.choice(texts.AGENT_REPLIES)
        self.story.comment(at, self.assignee, body, Visibility.PUBLIC)

    def _note(self, at: datetime) -> None:
        body = self.rng.choice(texts.INTERNAL_NOTES)
        self.story.comment(at, self.assignee, body, Visibility.INTERNAL)

    def _override(self, at: datetime) -> None:
        old = self.incident["priority"]
        new = old - 1 if old > 1 else 2
        self.incident.update(priority=new, priority_overridden=True)
        self.story.event(
            EventKind.PRIORITY_OVERRIDDEN,
            at,
            self.target.lead,
            public=False,
            old=old,
            new=new,
            reason=self.rng.choice(texts.OVERRIDE_REASONS),
        )

    def _hold(self, at: datetime) -> None:
        self.hold_code = self.b.hold_reason() if self.reporter else "awaiting_vendor"
        asking = self.hold_code == HoldReason.AWAITING_CUSTOMER
        if asking:
            question = self.rng.choice(texts.QUESTIONS)
            self.story.comment(at, self.assignee, question, Visibility.PUBLIC)
        self._status(at, self.assignee, Status.ON_HOLD, hold_reason=self.hold_code)
        if not asking and self.b.rich and self.rng.random() < 0.5:
            note = self.rng.choice(texts.INTERNAL_NOTES)
            self.story.comment(at, self.assignee, note, Visibility.INTERNAL)
        self.incident["hold_reason_id"] = self.b.catalog.holds[self.hold_code].pk

    def _resume(self, at: datetime) -> None:
        actor = self.assignee
        if self.hold_code == HoldReason.AWAITING_CUSTOMER:
            actor = self.reporter
            answer = self.rng.choice(texts.CUSTOMER_ANSWERS)
            self.story.comment(at, actor, answer, Visibility.PUBLIC)
        self._status(at, actor, Status.IN_PROGRESS, hold_reason=self.hold_code)
        self.incident["hold_reason_id"] = None

    def _resolve(self, at: datetime) -> None:
        scenario, rng = self.scenario, self.rng
        code = self.b.catalog.resolutions[rng.choice(scenario.resolutions)]
        self._status(at, self.assignee, Status.RESOLVED, resolution_code=code.code)
        self.incident.update(
            cause_id=self.b.cause(scenario).pk,
            resolution_code_id=code.pk,
            resolution_notes=rng.choice(scenario.notes),
            resolved_at=at,
        )

    def _reopen(self, at: datetime) -> None:
        actor = self.reporter or self.assignee
        self._status(at, actor, Status.IN_PROGRESS, reopen=True)
        self.story.comment(at, actor, self.rng.choice(texts.REOPEN_REASONS), Visibility.PUBLIC)
        self.incident.update(reopen_count=self.incident.get("reopen_count", 0) + 1)
        self.incident["resolved_at"] = None

    def _closed(self, at: datetime, actor: User | None, *, confirmed: bool) -> None:
        self._status(at, actor, Status.CLOSED, confirmed=confirmed, automatic=actor is None)
        self.incident["closed_at"] = at

    def _auto_close(self, at: datetime) -> None:
        self._closed(at, None, confirmed=False)

    def _confirm(self, at: datetime) -> None:
        self._closed(at, self.reporter or self.assignee, confirmed=self.reporter is not None)
        if self.reporter is not None and self.rng.random() < RATED_SHARE:
            self._rate(at)

    def _rate(self, at: datetime) -> None:
        unhappy = self.escalates or self.incident.get("reopen_count", 0) > 0
        rating = self.rng.choices(range(1, 6), weights=SATISFACTION_WEIGHTS[unhappy])[0]
        self.story.event(EventKind.RATED, at, self.reporter, public=True, rating=rating)
        self.incident.update(satisfaction=rating, rated_at=at)

    def _staff_close(self, at: datetime) -> None:
        self._closed(at, self.assignee, confirmed=False)

    def _cancel(self, at: datetime) -> None:
        actor = self.assignee or self.rng.choice(self.b.first_line.agents)
        reason = self.rng.choice(texts.CANCEL_REASONS)
        self._status(at, actor, Status.CANCELLED, reason=reason, duplicate_of=None)
        self.incident.update(cancel_reason=reason, closed_at=at, hold_reason_id=None)


class _Sla:
    """The SLA policies of the demo's incidents, with what the clocks read from them, looked up
    once: `policy_for` is a query, and a million incidents share a few hundred combinations of
    organisation, service and kind."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.policies: dict[tuple[int | None, int | None, str], SlaPolicy | None] = {}
        self.targets: dict[tuple[int, int], dict[Metric, SlaTarget]] = defaultdict(dict)
        for target in SlaTarget.objects.select_related("calendar"):
            self.targets[target.policy_id, target.priority][Metric(target.metric)] = target
        policies = SlaPolicy.objects.prefetch_related("pausing_hold_reasons")
        self.pausing = {p.pk: {r.code for r in p.pausing_hold_reasons.all()} for p in policies}
        # As `clocks._thresholds`: the policy's own, else the defaults.
        self.thresholds = {
            p.pk: sorted(p.warning_thresholds or DEFAULT_THRESHOLDS) for p in policies
        }

    def policy(self, incident: dict) -> SlaPolicy | None:
        key = (incident["organisation_id"], incident["service_id"], incident["kind"])
        if key not in self.policies:
            organisation, service, kind = key
            probe = Incident(organisation_id=organisation, service_id=service, kind=kind)
            self.policies[key] = policy_for(probe)
        return self.policies[key]

    def clocks(self, incident: dict, events: list[dict]) -> list[dict]:
        """The incident's clock rows, replayed from its finished timeline. Sets the fields the
        clocks keep on the incident: `escalated` at a breach, and the due time of each clock not
        yet stopped (the queue columns)."""
        policy = self.policy(incident)
        if policy is None:
            return []
        changes = [
            history.StatusChange(
                event["at"],
                event["data"]["old"],
                event["data"]["new"],
                event["data"].get("hold_reason"),
            )
            for event in events
            if event["kind"] == EventKind.STATUS_CHANGED
        ]
        rows = history.replay(
            targets=self.targets[policy.pk, incident["priority"]],
            started_at=incident["created_at"],
            first_response_at=incident.get("first_response_at"),
            changes=changes,
            pausing=self.pausing[policy.pk],
            thresholds=self.thresholds[policy.pk],
            now=self.now,
        )
        incident["escalated"] = any(row["breached_at"] is not None for row in rows)
        for row in rows:
            running = row["stopped_at"] is None and row["state"] != ClockState.CANCELLED
            incident[f"{row['metric']}_due_at"] = row["due_at"] if running else None
        return rows


def _local(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _stems(text: str) -> str:
    """What `index_incident` puts in the FTS5 table for `text`. Snowball costs ~30 µs a word, so
    each whitespace-separated piece is stemmed once and remembered (no word spans whitespace)."""
    return " ".join(stems for stems in map(_piece_stems, text.split()) if stems)


@cache
def _piece_stems(piece: str) -> str:
    return " ".join(stem_words(piece))


def _number_stems(number: str) -> str:
    prefix, digits = number.split("-")
    return f"{_stems(prefix)} {digits}"  # digits stem to themselves


class _Table:
    """Plain INSERTs of rows given as {attribute name: value}; a missing value takes the field's
    default, so a new model field does not break the loader.

    bulk_create prepares every value through its field (about 5 µs a value, most of the time of
    a million-incident load); here the values are already in database form, except dates and
    JSON, which the backend adapts."""

    def __init__(self, model: type[Model]) -> None:
        ops = connection.ops
        self.fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
        self.defaults = [f.get_default() for f in self.fields]
        self.adapters: list[Callable | None] = [
            ops.adapt_datetimefield_value
            if isinstance(f, DateTimeField)
            else partial(ops.adapt_json_value, encoder=f.encoder)
            if isinstance(f, JSONField)
            else None
            for f in self.fields
        ]
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({placeholders})"
        self.names = [f.attname for f in self.fields]

    def insert(self, rows: list[dict]) -> None:
        plan = list(zip(self.names, self.defaults, self.adapters, strict=True))
        values = [
            tuple(
                adapt(row.get(name, default)) if adapt else row.get(name, default)
                for name, default, adapt in plan
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, values)


def _write(stories: list[_Story], builder: _IncidentBuilder, tables: dict[str, _Table]) -> None:
    """Insert one chunk of incidents with their comments, timeline and search rows."""
    with transaction.atomic():
        tables["incident"].insert([story.incident for story in stories])
        numbers = [story.incident["number"] for story in stories]
        ids = dict(Incident.objects.filter(number__in=numbers).values_list("number", "pk"))
        for story in stories:
            story.incident["id"] = ids[story.incident["number"]]
            for comment in story.comments:
                comment.incident_id = story.incident["id"]
            for event in story.events:
                event["incident_id"] = story.incident["id"]
            for clock in story.clocks:
                clock["incident_id"] = story.incident["id"]
        Comment.objects.bulk_create([c for s in stories for c in s.comments], batch_size=BATCH)
        for story in stories:
            for event, comment in story.replies:
                event["data"]["comment_id"] = comment.pk
        tables["event"].insert([event for story in stories for event in story.events])
        documents, stems = [], []
        for story in stories:
            incident = story.incident
            public = [c.body for c in story.comments if c.visibility == Visibility.PUBLIC]
            parts = [incident["title"], incident["description"], *public]
            body = "\n".join([incident["number"], *parts])
            documents.append({"incident_id": incident["id"], "body": body})
            words = " ".join([_number_stems(incident["number"]), *map(_stems, parts)])
            stems.append((incident["id"], words))
        tables["document"].insert(documents)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, stems) VALUES (%s, %s)", stems)
        for story in stories:
            incident = story.incident
            if incident["status"] == Status.RESOLVED and builder.auto_close:
                resolved_at = incident["resolved_at"]
                task = auto_close_incident.using(run_after=resolved_at + builder.auto_close)
                task.enqueue(incident["id"], resolved_at.isoformat())
        tables["clock"].insert([clock for story in stories for clock in story.clocks])
        _schedule_checks(stories, builder.now)


def _schedule_checks(stories: list[_Story], now: datetime) -> None:
    """Queue a check for now of every running clock, carrying its stored `updated_at` as
    `clocks.check` expects. The check fires nothing in `fired` (the history) and schedules the
    clock's next threshold itself, as every clock change does."""
    incidents = [
        story.incident["id"]
        for story in stories
        if any(clock["state"] == ClockState.RUNNING for clock in story.clocks)
    ]
    if not incidents:
        return
    running = SlaClock.objects.filter(incident_id__in=incidents, state=ClockState.RUNNING)
    task = check_clock.using(run_after=now)
    for clock_id, updated_at in running.values_list("pk", "updated_at"):
        task.enqueue(clock_id, updated_at.isoformat())
