"""Server-rendered SVG charts (pygal, no JavaScript): every bar links to the incidents behind
it in the console queue, opened in the whole window (`target="_top"`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from incidesk.analytics import kpi
from incidesk.analytics.filters import ReportFilter

SCRIPT = re.compile(rb"<script[^>]*>.*?</script>|<script[^>]*/>", re.DOTALL)


def queue_link(f: ReportFilter, **narrower: Any) -> dict[str, str] | None:
    """The console queue with the filter's dimensions and `narrower`, if the console exists."""
    try:
        url = reverse("console:queues")
    except NoReverseMatch:
        return None
    return {"href": f"{url}?{urlencode(f.drilldown(**narrower))}", "target": "_top"}


def _bar(title: str, labels: list[str], series: dict[str, list[dict[str, Any]]]) -> bytes:
    # Imported here: only the chart views need pygal, not every web worker.
    import pygal
    from pygal.style import DefaultStyle

    chart = pygal.Bar(
        js=[],
        style=DefaultStyle(font_family="system-ui, sans-serif", background="white"),
        title=title,
        height=320,
        legend_at_bottom=True,
        show_legend=len(series) > 1,
        x_label_rotation=30 if len(labels) > 12 else 0,
        truncate_label=-1,
        print_values=False,
    )
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    # pygal always embeds its configuration as a script, even without its JavaScript: drop it,
    # the chart is static and its response allows no script anyway.
    return SCRIPT.sub(b"", chart.render())


def _point(value: Any, link: dict[str, str] | None) -> dict[str, Any]:
    point: dict[str, Any] = {"value": value}
    if link:
        point["xlink"] = link
    return point


def trend(base: Any, f: ReportFilter) -> bytes:
    rows = kpi.trend(base, f)

    def link(row: dict[str, Any], kind: str) -> dict[str, str] | None:
        start, end = max(row["start"], f.start), min(kpi.bucket_end(row["start"], f.bucket), f.end)
        return queue_link(f, created_from=start.isoformat(), created_to=end.isoformat(), kind=kind)

    return _bar(
        pgettext("count", "Registered"),
        [row["start"].strftime("%d.%m") for row in rows],
        {
            _("Incidents"): [_point(r["incidents"], link(r, "incident")) for r in rows],
            _("Service requests"): [
                _point(r["service_requests"], link(r, "service_request")) for r in rows
            ],
        },
    )


def backlog(base: Any, f: ReportFilter) -> bytes:
    """Open now: the link drops the period (the backlog has none)."""
    counts = kpi.backlog(base, timezone.now())["by_priority"]
    status = ",".join(kpi.OPEN)
    return _bar(
        _("Backlog now by priority"),
        [f"P{p}" for p in counts],
        {
            _("Open"): [
                _point(
                    n,
                    queue_link(f, status=status, priority=p, created_from=None, created_to=None),
                )
                for p, n in counts.items()
            ]
        },
    )


def causes(base: Any, f: ReportFilter) -> bytes:
    rows = kpi.causes(base, f)
    return _bar(
        _("Causes"),
        [row["cause"].name for row in rows],
        {
            _("Incidents"): [
                _point(row["count"], queue_link(f, cause=row["cause"].code)) for row in rows
            ]
        },
    )


CHARTS: dict[str, Callable[[Any, ReportFilter], bytes]] = {
    "trend": trend,
    "backlog": backlog,
    "causes": causes,
}
