"""The reports dashboard: KPI cards with their definitions on hover, SVG charts (each its own
response, embedded with <object>) and every number as a table, with export links."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidesk.analytics import charts, facts, kpi
from incidesk.analytics.definitions import DEFINITIONS
from incidesk.analytics.filters import FilterForm, ReportFilter, user_zone
from incidesk.analytics.tables import tables
from incidesk.web.access import staff_required

# The chart is a document of its own: pygal's inline <style> is allowed there and nowhere else;
# no script at all.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _filter(request: HttpRequest) -> tuple[FilterForm, ReportFilter]:
    """The form as submitted; an invalid one shows its errors over the default period."""
    zone = user_zone(request.user)
    form = FilterForm(request.GET)
    if form.is_valid():
        return form, form.report_filter(zone)
    default = FilterForm({})
    default.is_valid()
    return form, default.report_filter(zone)


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request)
    report = kpi.build(request.user, f)
    query = urlencode(f.params(), doseq=True)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "report": report,
            "tables": tables(report),
            "definitions": DEFINITIONS,
            "query": query,
            "charts": [(name, DEFINITIONS[name]) for name in charts.CHARTS],
        },
    )


@require_GET
@staff_required
def chart(request: HttpRequest, name: str) -> HttpResponse:
    draw = charts.CHARTS.get(name)
    if draw is None:
        raise Http404
    _form, f = _filter(request)
    facts.sync()
    with timezone.override(f.zone):
        svg = draw(kpi.counted(request.user, f), f)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Security-Policy"] = SVG_POLICY
    return response
