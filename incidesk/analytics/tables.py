"""A report as named tables of plain values: what the dashboard lists, the exports write and
the API returns. Durations are in hours (two decimals), shares in per cent (one decimal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.analytics.bycustom import FieldGroups
from incidesk.analytics.definitions import DEFINITIONS
from incidesk.analytics.kpi import Report, Stats
from incidesk.catalog.models import HoldReason
from incidesk.incidents.status import Status


@dataclass(frozen=True)
class Table:
    name: str
    title: Any
    header: list[Any]
    rows: list[list[Any]]

    @property
    def definition(self) -> Any:
        return DEFINITIONS[self.name]


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def share(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


METRIC_NAMES = {"response": _("Time to respond (MTTA)"), "resolution": _("Time to resolve (MTTR)")}
CLOCK_NAMES = {"wall": _("wall clock"), "business": _("business time")}
SLA_NAMES = {
    "met": _("SLA met"),
    "breached": pgettext_lazy("state", "SLA breached"),
    "none": _("no SLA"),
}
TARGET_NAMES = {"response": _("First response"), "resolution": _("Resolution")}


def waiting_label(key: str) -> str:
    """What an incident was waiting for at a breach, in words."""
    if key.startswith(f"{Status.ON_HOLD}:"):
        reason = HoldReason.objects.filter(code=key.split(":", 1)[1]).first()
        return str(_("on hold: %(reason)s") % {"reason": reason or key})
    labels: dict[str, str] = {
        Status.NEW: str(_("in the queue, not yet taken")),
        Status.IN_PROGRESS: str(_("with the agent")),
    }
    return labels.get(key, key)


def _stats_row(label: Any, clock: Any, stats: Stats) -> list[Any]:
    return [
        str(label),
        str(clock),
        stats.count,
        hours(stats.mean),
        hours(stats.median),
        hours(stats.p90),
    ]


def tables(report: Report) -> dict[str, Table]:
    r = report
    stats_header = [
        _("Measure"),
        _("Clock"),
        _("Count"),
        _("Mean, h"),
        _("Median, h"),
        _("90th percentile, h"),
    ]
    durations = [
        _stats_row(METRIC_NAMES[metric], CLOCK_NAMES[clock], r.durations[metric][clock])
        for metric in ("response", "resolution")
        for clock in ("wall", "business")
    ]
    sla_rows, breach_rows = [], []
    for metric, data in r.sla.items():
        target = str(TARGET_NAMES[metric])
        sla_rows.append(
            [
                target,
                str(_("all")),
                data["completed"],
                data["met"],
                data["breached"],
                share(data["percent_met"]),
            ]
        )
        sla_rows.extend(
            [
                target,
                f"P{row['priority']}",
                row["completed"],
                row["met"],
                row["breached"],
                share(row["percent_met"]),
            ]
            for row in data["by_priority"]
        )
        for key, n in data["breaches_by_waiting"]:
            breach_rows.append([target, str(_("waiting for")), waiting_label(key), n])
        for team, n in data["breaches_by_team"]:
            breach_rows.append([target, str(_("team")), team or str(_("no team")), n])
    q = r.quality
    csat = r.csat
    found = [
        Table(
            "volume",
            _("Volume"),
            [_("Measure"), _("Count")],
            [
                [str(pgettext_lazy("count", "Registered")), r.volume["total"]],
                [str(_("Incidents")), r.volume["incidents"]],
                [str(_("Service requests")), r.volume["service_requests"]],
                [str(pgettext_lazy("count", "Cancelled")), r.volume["cancelled"]],
            ],
        ),
        Table(
            "backlog",
            _("Backlog now"),
            [_("Priority"), _("Open")],
            [[f"P{p}", n] for p, n in r.backlog["by_priority"].items()],
        ),
        Table(
            "durations",
            _("Times"),
            stats_header,
            [
                *durations,
                _stats_row(_("Backlog age"), CLOCK_NAMES["wall"], r.backlog["age"]),
            ],
        ),
        Table(
            "sla",
            _("SLA compliance"),
            [_("Target"), _("Priority"), _("Completed"), _("Met"), _("Breached"), _("Met, %")],
            sla_rows,
        ),
        Table(
            "breaches",
            _("SLA breaches"),
            [_("Target"), _("By"), _("Value"), _("Breaches")],
            breach_rows,
        ),
        Table(
            "quality",
            _("Resolution quality"),
            [_("Measure"), _("Count"), _("Share, %")],
            [
                [str(pgettext_lazy("count", "Resolved")), q["resolved"], None],
                [str(_("Reopened")), q["reopened"], share(q["reopen_rate"])],
                [
                    str(_("First-contact resolution")),
                    q["first_contact"],
                    share(q["first_contact_rate"]),
                ],
                [
                    str(_("Resolved in the first reply")),
                    q["first_reply"],
                    share(q["first_reply_rate"]),
                ],
            ],
        ),
        Table(
            "csat",
            _("Customer satisfaction"),
            [_("Group"), _("Ratings"), _("Average")],
            [
                [str(_("all")), csat["count"], _round(csat["average"])],
                *[
                    [str(SLA_NAMES[row["sla"]]), row["count"], _round(row["average"])]
                    for row in csat["by_sla"]
                ],
                *[[f"★ {score}", n, None] for score, n in csat["distribution"].items()],
            ],
        ),
        Table(
            "causes",
            _("Causes"),
            [_("Cause"), _("Incidents")],
            [[row["cause"].name, row["count"]] for row in r.causes],
        ),
        Table(
            "trend",
            _("Trend"),
            [
                _("From"),
                _("Incidents"),
                _("Service requests"),
                pgettext_lazy("count", "Resolved"),
                _("Mean time to resolve, h"),
            ],
            [
                [
                    row["start"],
                    row["incidents"],
                    row["service_requests"],
                    row["resolved"],
                    hours(row["mttr"]),
                ]
                for row in r.trend
            ],
        ),
        Table(
            "time_agents",
            _("Time spent by agent"),
            [_("Agent"), _("Minutes"), _("Hours"), _("Incidents")],
            [
                [row["name"], row["minutes"], round(row["minutes"] / 60, 2), row["incidents"]]
                for row in r.time_spent["by_agent"]
            ],
        ),
        Table(
            "time_organisations",
            _("Time spent by organisation"),
            [_("Organisation"), _("Minutes"), _("Hours"), _("Incidents")],
            [
                [
                    row["organisation"] or str(_("no organisation")),
                    row["minutes"],
                    round(row["minutes"] / 60, 2),
                    row["incidents"],
                ]
                for row in r.time_spent["by_organisation"]
            ],
        ),
    ]
    if r.by_field is not None:
        found.append(_by_field(r.by_field))
    return {table.name: table for table in found}


def _by_field(grouped: FieldGroups) -> Table:
    return Table(
        "by_field",
        _("By %(field)s") % {"field": grouped.label},
        [
            grouped.label,
            pgettext_lazy("count", "Registered"),
            _("Open now"),
            pgettext_lazy("count", "Resolved"),
            pgettext_lazy("state", "SLA breached"),
            _("Mean time to resolve, h"),
        ],
        [
            [g.label, g.registered, g.open, g.resolved, g.breached, hours(g.mttr)]
            for g in grouped.groups
        ],
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
