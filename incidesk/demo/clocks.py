"""The SLA clocks of demo incidents, replayed from their finished timelines."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from incidesk.incidents.models import EventKind, Incident
from incidesk.sla import history
from incidesk.sla.clocks import DEFAULT_THRESHOLDS, policy_for
from incidesk.sla.models import ClockState, Metric, SlaPolicy, SlaTarget


class SlaLookup:
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
