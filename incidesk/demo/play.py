"""One demo incident's life as rows: its fields and the timeline events and comments the actions
would have recorded for the same steps (same kinds, same data keys)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from incidesk.accounts.models import User
from incidesk.catalog.models import HoldReason
from incidesk.demo.people import Staff
from incidesk.demo.texts import conversation
from incidesk.demo.texts.scenario import Scenario
from incidesk.incidents.models import Comment, EventKind, Visibility
from incidesk.incidents.status import Status

if TYPE_CHECKING:
    from incidesk.demo.stories import IncidentBuilder

# Share of confirmed incidents the customer rates, and how they rate (1..5): lower after a
# reopening or an escalation.
RATED_SHARE = 0.6
SATISFACTION_WEIGHTS = {False: [2, 3, 8, 30, 57], True: [12, 18, 30, 25, 15]}


@dataclass
class Story:
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


class Play:
    """Applies the steps of one incident: sets its fields and records the timeline the
    actions would have recorded (same kinds, same data keys)."""

    def __init__(
        self,
        builder: IncidentBuilder,
        story: Story,
        scenario: Scenario,
        reporter: User | None,
    ) -> None:
        self.b, self.story, self.scenario, self.reporter = builder, story, scenario, reporter
        self.incident = story.incident
        self.rng = builder.rng
        self.target = builder.staff[scenario.team]
        self.agent = self.rng.choice(self.target.agents)
        self.team: Staff | None = None
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

    def _assigned(self, at: datetime, actor: User, staff: Staff, agent: User) -> None:
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
        body = self.rng.choice(conversation.AGENT_REPLIES)
        self.story.comment(at, self.assignee, body, Visibility.PUBLIC)

    def _note(self, at: datetime) -> None:
        body = self.rng.choice(conversation.INTERNAL_NOTES)
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
            reason=self.rng.choice(conversation.OVERRIDE_REASONS),
        )

    def _hold(self, at: datetime) -> None:
        self.hold_code = self.b.hold_reason() if self.reporter else "awaiting_vendor"
        asking = self.hold_code == HoldReason.AWAITING_CUSTOMER
        if asking:
            question = self.rng.choice(conversation.QUESTIONS)
            self.story.comment(at, self.assignee, question, Visibility.PUBLIC)
        self._status(at, self.assignee, Status.ON_HOLD, hold_reason=self.hold_code)
        if not asking and self.b.rich and self.rng.random() < 0.5:
            note = self.rng.choice(conversation.INTERNAL_NOTES)
            self.story.comment(at, self.assignee, note, Visibility.INTERNAL)
        self.incident["hold_reason_id"] = self.b.catalog.holds[self.hold_code].pk

    def _resume(self, at: datetime) -> None:
        actor = self.assignee
        if self.hold_code == HoldReason.AWAITING_CUSTOMER:
            actor = self.reporter
            answer = self.rng.choice(conversation.CUSTOMER_ANSWERS)
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
        self.story.comment(
            at, actor, self.rng.choice(conversation.REOPEN_REASONS), Visibility.PUBLIC
        )
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
        reason = self.rng.choice(conversation.CANCEL_REASONS)
        self._status(at, actor, Status.CANCELLED, reason=reason, duplicate_of=None)
        self.incident.update(cancel_reason=reason, closed_at=at, hold_reason_id=None)
