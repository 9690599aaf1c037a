"""The clocks `sla.history` rebuilds from scratch from an incident's status changes, for tests
that compare them with the clocks the actions left."""

from __future__ import annotations

from datetime import datetime

from incidesk.incidents.models import EventKind, Incident
from incidesk.sla import history
from incidesk.sla.clocks import policy_for
from incidesk.sla.models import Metric


def replay_timeline(incident: Incident, now: datetime) -> list[dict]:
    policy = policy_for(incident)
    targets = policy.targets.filter(priority=incident.priority).select_related("calendar")
    changes = incident.events.filter(kind=EventKind.STATUS_CHANGED).order_by("at", "id")
    return history.replay(
        targets={Metric(target.metric): target for target in targets},
        started_at=incident.created_at,
        first_response_at=incident.first_response_at,
        changes=[
            history.StatusChange(e.at, e.data["old"], e.data["new"], e.data.get("hold_reason"))
            for e in changes
        ],
        pausing=set(policy.pausing_hold_reasons.values_list("code", flat=True)),
        thresholds=sorted(policy.warning_thresholds),
        now=now,
    )
