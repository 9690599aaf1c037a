"""Routing at registration: the active rules, tried in order against the new incident's facts,
give it a team, a priority (through the matrix) and tags, and say why.

`route` only reads (whether the rules changed, in one query; the matrix from `sla.reference`
when a rule suggests a priority), so registration calls it before its transaction opens;
`Routed.record` writes the decision inside the transaction (one INSERT, only when a rule
matched) and promises the team's automatic assignment, which the worker runs.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from typing import Any

from incidesk.accounts.models import Team
from incidesk.automation import rules
from incidesk.automation.conditions import Facts, matches
from incidesk.automation.models import Decision, DecisionKind, RoutingRule
from incidesk.catalog.models import Level
from incidesk.core.promises import Promised
from incidesk.incidents.models import Incident
from incidesk.sla import reference

# Bumped by every change to a routing rule (`core.generations`).
GENERATION = rules.GENERATION


@dataclass
class Routed:
    """What the rules decided for a new incident: `team` (None: keep the intake's), `urgency`
    and `priority` (None: keep the matrix's for what was reported), `tags`, and the record."""

    team: Team | None = None
    urgency: str | None = None
    priority: int | None = None
    tags: list[str] = field(default_factory=list)
    assigns: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    # What the active triggers listen to, from the same read of the rules.
    listened: frozenset[str] = frozenset()

    def record(self, incident: Incident) -> list[Promised]:
        """Write the decision for the saved incident (inside registration's transaction) and
        promise the team's automatic assignment when there is one to run."""
        if self.data:
            Decision.objects.create(
                incident=incident, kind=DecisionKind.ROUTING, at=incident.created_at, data=self.data
            )
        if not self.assigns:
            return []
        from incidesk.automation.tasks import auto_assign  # the task module imports assignment

        return [Promised(auto_assign, (incident.pk,))]


def route(
    facts: Facts,
    *,
    impact: str,
    urgency: str,
    team: Team | None,
    ref: reference.Reference,
    draft: list[RoutingRule] | None = None,
) -> Routed:
    """Try the active rules in order. `team` is the one the intake chose (the console's agent):
    it stays, and a rule's team is then only recorded as not applied. `ref` holds the priority
    matrix a suggested priority is reached through. `draft`: another rule set to try (the
    simulator's) instead of the saved active ones."""
    if draft is None:
        current = rules.current()
        candidates, listened = current.routing, current.listened
    else:
        candidates, listened = draft, frozenset()
    routed = Routed(listened=listened)
    fired: list[dict[str, Any]] = []
    for rule in candidates:
        matched = matches(rule.conditions, facts)
        if matched is None:
            continue
        fired.append(_apply(routed, rule, team, [m.as_json() for m in matched]))
        if not rule.continue_matching:
            break
    if fired:
        routed.data = {"rules": fired, "kept_team": team.name if team else None}
    if routed.priority is not None:
        suggested = routed.priority
        routed.urgency, routed.priority = _reachable(ref, impact, urgency, suggested)
        routed.data["priority"] = {
            "suggested": suggested,
            "priority": routed.priority,
            "urgency": routed.urgency,
            "reported_urgency": urgency,
        }
    # The worker's task looks at the team's mode: a team that does not assign costs it one read.
    routed.assigns = (team or routed.team) is not None
    return routed


def _apply(
    routed: Routed, rule: RoutingRule, given: Team | None, matched: list[dict[str, Any]]
) -> dict[str, Any]:
    """Take a matching rule's actions onto `routed` (a field the first setter decides; tags
    add up) and describe what it did."""
    did: dict[str, Any] = {"id": rule.pk, "name": rule.name, "matched": matched}
    if rule.team is not None and given is None and routed.team is None:
        routed.team = copy(rule.team)  # the process's copy of the rules stays untouched
        did["team"] = rule.team.name
    if rule.priority is not None and routed.priority is None:
        routed.priority = rule.priority
        did["priority"] = rule.priority
    new_tags = [tag for tag in rule.tags if tag not in routed.tags]
    routed.tags += new_tags
    if new_tags:
        did["tags"] = new_tags
    return did


def _reachable(
    ref: reference.Reference, impact: str, reported: str, suggested: int
) -> tuple[str, int]:
    """The urgency (impact stays as reported) whose matrix priority is nearest the suggestion,
    preferring the reported urgency, then the more urgent, on a tie."""
    row = {level: ref.priority(impact, level) for level in (Level.HIGH, Level.MEDIUM, Level.LOW)}
    urgency = min(row, key=lambda u: (abs(row[u] - suggested), u != reported, row[u]))
    return urgency, row[urgency]
