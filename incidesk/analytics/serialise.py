"""A report as JSON-safe values for the API (seconds, per cent, ISO dates, codes)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from incidesk.analytics.kpi import Report


def report_json(report: Report) -> dict[str, Any]:
    f = report.filter
    return {
        "period": {"from": f.start.isoformat(), "to": f.end.isoformat(), "time_zone": str(f.zone)},
        "volume": report.volume,
        "backlog": {
            "count": report.backlog["count"],
            "by_priority": {str(p): n for p, n in report.backlog["by_priority"].items()},
            "age_seconds": asdict(report.backlog["age"]),
        },
        "durations_seconds": {
            metric: {clock: asdict(stats) for clock, stats in clocks.items()}
            for metric, clocks in report.durations.items()
        },
        "sla": {
            metric: {
                **{k: v for k, v in data.items() if not k.startswith("breaches_")},
                "breaches_by_waiting": [
                    {"waiting": key, "count": n} for key, n in data["breaches_by_waiting"]
                ],
                "breaches_by_team": [
                    {"team": team, "count": n} for team, n in data["breaches_by_team"]
                ],
            }
            for metric, data in report.sla.items()
        },
        "quality": report.quality,
        "csat": {
            **report.csat,
            "distribution": {str(k): v for k, v in report.csat["distribution"].items()},
        },
        "causes": [{"cause": row["cause"].code, "count": row["count"]} for row in report.causes],
        "trend": [{**row, "start": row["start"].isoformat()} for row in report.trend],
        "time_spent": report.time_spent,
        "by_field": _by_field(report),
    }


def _by_field(report: Report) -> dict[str, Any] | None:
    """The grouping by a custom field: stored values (choice codes, booleans, null for none)."""
    grouped = report.by_field
    if grouped is None:
        return None
    return {
        "field": grouped.code,
        "groups": [
            {
                "value": g.value,
                "registered": g.registered,
                "open": g.open,
                "resolved": g.resolved,
                "breached": g.breached,
                "mttr_seconds": g.mttr,
            }
            for g in grouped.groups
        ],
    }
