""" "Why did this happen": the automation's decisions on an incident told in words, for the
console's panel and the API (staff only: they name rules and agents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from incidesk.automation.models import AssignmentMode, Decision, DecisionKind, TriggerEvent
from incidesk.incidents.models import Channel, Incident, Kind

# Conditions whose values are ids: named by the condition only (the record keeps no names).
_BY_ID = frozenset({"category", "service", "organisation"})


@dataclass(frozen=True)
class Told:
    """One decision: its kind, when, its lines in the active language, and the record."""

    kind: str
    at: datetime
    lines: list[str]
    data: dict[str, Any]


def decisions(incident: Incident) -> list[Told]:
    """Every decision on the incident, oldest first (one query)."""
    return [
        Told(d.kind, d.at, _lines(d), d.data)
        for d in Decision.objects.filter(incident_id=incident.pk).order_by("at", "id")
    ]


def _lines(decision: Decision) -> list[str]:
    if decision.kind == DecisionKind.ROUTING:
        return _routing(decision.data)
    if decision.kind == DecisionKind.TRIGGER:
        return _trigger(decision.data)
    return _assignment(decision.data)


def _condition(matched: dict[str, Any]) -> str:
    labels = {
        "kind": _("kind"),
        "category": _("category"),
        "service": _("service"),
        "organisation": _("organisation"),
        "channel": _("channel"),
        "priority": _("priority"),
        "language": _("reporter's language"),
        "words": _("words"),
        "vip": _("VIP reporter"),
    }
    key, values = matched["condition"], matched["values"]
    if key in _BY_ID or key == "vip":
        return str(labels[key])
    names = {**dict(Kind.choices), **dict(Channel.choices)}
    shown = ", ".join(str(names.get(v, v)) for v in values)
    return f"{labels[key]}: {shown}"


def _routing(data: dict[str, Any]) -> list[str]:
    lines = []
    for rule in data.get("rules", []):
        conditions = "; ".join(_condition(m) for m in rule["matched"]) or _("no conditions")
        lines.append(
            _("Rule «%(rule)s» matched (%(conditions)s).")
            % {"rule": rule["name"], "conditions": conditions}
        )
        if "team" in rule:
            lines.append(_("Team: %(team)s.") % {"team": rule["team"]})
        if "tags" in rule:
            lines.append(_("Tags: %(tags)s.") % {"tags": ", ".join(rule["tags"])})
    if data.get("kept_team"):
        lines.append(
            _("The team chosen at registration was kept: %(team)s.") % {"team": data["kept_team"]}
        )
    priority = data.get("priority")
    if priority:
        lines.append(
            _("Priority P%(suggested)s suggested; the matrix gives P%(priority)s with this impact.")
            % priority
        )
    return lines


def _assignment(data: dict[str, Any]) -> list[str]:
    mode = str(AssignmentMode(data["mode"]).label)
    if data["assignee"]:
        head = _("%(mode)s in team %(team)s: assigned to %(agent)s.") % {
            "mode": mode,
            "team": data["team"],
            "agent": data["assignee"],
        }
    else:
        head = _("%(mode)s in team %(team)s: nobody available, left in the team's queue.") % {
            "mode": mode,
            "team": data["team"],
        }
    return [head, *(_candidate(candidate, data["mode"]) for candidate in data["candidates"])]


def _candidate(candidate: dict[str, Any], mode: str) -> str:
    skipped = candidate["skipped"]
    if skipped == "away" and candidate["substitute"]:
        state = _("away; %(substitute)s stands in") % {"substitute": candidate["substitute"]}
    elif skipped == "away":
        state = _("away")
    elif skipped == "outside_hours":
        state = _("outside working hours")
    else:
        state = _("available")
    if mode == AssignmentMode.LEAST_LOADED:
        state += ", " + _("incidents in work: %(n)s") % {"n": candidate["load"]}
    if mode == AssignmentMode.SKILLS:
        state += ", " + _("skills matched: %(n)s") % {"n": candidate["skill"]}
    return f"{candidate['agent']}: {state}"


def _trigger(data: dict[str, Any]) -> list[str]:
    conditions = "; ".join(_condition(m) for m in data["matched"]) or _("no conditions")
    lines = [
        _("By rule «%(rule)s» on «%(event)s» (%(conditions)s).")
        % {
            "rule": data["name"],
            "event": _label(TriggerEvent, data["event"]),
            "conditions": conditions,
        }
    ]
    did = data["did"]
    if "priority" in did:
        lines.append(_("Priority: P%(priority)s.") % {"priority": did["priority"]})
    if "team" in did:
        lines.append(
            _("Assigned: %(team)s, %(agent)s.")
            % {"team": did["team"] or "—", "agent": did["assignee"] or "—"}
        )
    if "tags" in did:
        lines.append(_("Tags added: %(tags)s.") % {"tags": ", ".join(did["tags"])})
    if "watcher" in did:
        lines.append(_("Following: %(agent)s.") % {"agent": did["watcher"]})
    if did.get("reply"):
        lines.append(_("Replied to the customer."))
    if "notified" in did:
        lines.append(_("Notified: %(people)s.") % {"people": ", ".join(did["notified"])})
    lines += [_("Not done: %(reason)s") % {"reason": reason} for reason in data["refused"]]
    return lines


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:  # a choice removed since
        return value
