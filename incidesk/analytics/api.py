"""Reports over the REST API: the dashboard's numbers as JSON, and the CSV/XLSX exports.

Filters are query parameters (`date_from`, `date_to`, `bucket`, `team`, `agent`, `organisation`,
`category`, `service`, `cause`, `priority`, `kind`, `channel`; `group_by`: a custom field's code,
which adds the `by_field` table), parsed by the dashboard's own
form. Reports are for desk staff; a customer may export only the incidents they can see.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router

from incidesk.accounts.auth import api_user
from incidesk.accounts.models import User
from incidesk.analytics import exports, filters, kpi
from incidesk.analytics.serialise import report_json
from incidesk.analytics.tables import tables
from incidesk.core.errors import Forbidden, NotFound

router = Router(tags=["reports"])

Format = Literal["csv", "xlsx"]
REPORT_TABLES = (
    "volume",
    "backlog",
    "durations",
    "sla",
    "breaches",
    "quality",
    "csat",
    "causes",
    "trend",
    "time_agents",
    "time_organisations",
    "by_field",  # with `group_by` only
)


def _staff(request: HttpRequest) -> User:
    user = api_user(request)
    if not user.is_desk_staff:
        raise Forbidden(_("Reports are for the support desk."))
    return user


@router.get("/reports/summary", response=dict[str, Any], summary="Every KPI for a period")
def summary(request: HttpRequest) -> dict[str, Any]:
    """Volume, backlog, MTTA/MTTR (wall clock and business time), SLA compliance and breaches,
    reopen rate, first-contact resolution, CSAT and causes, with the trend; definitions in
    docs/kpi.md. Durations are seconds, shares per cent."""
    user = _staff(request)
    return report_json(kpi.build(user, filters.parse(user, request.GET)))


@router.get(
    "/reports/export/incidents.{fmt}",
    summary="Export incidents",
    response={200: None},
)
def export_incidents(request: HttpRequest, fmt: Format) -> StreamingHttpResponse | FileResponse:
    """Every incident registered in the period and matching the filters that the caller may
    see, with no row cap. Customers get their own (or their organisation's shared) incidents,
    without internal columns."""
    user = api_user(request)
    f = filters.parse(user, request.GET)
    rows_qs = kpi.created(kpi.incidents(user, f), f)
    columns = exports.incident_columns(user)
    fields = [name for name, _label in columns]
    header = [str(label) for _name, label in columns]
    rows = exports.incident_rows(rows_qs, fields, f.zone)
    name = f"incidents-{f.start}-{f.end}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(name, header, rows)
    return exports.xlsx_response(name, [(str(_("Incidents")), header, rows)])


@router.get("/reports/export/{table}.{fmt}", summary="Export a report", response={200: None})
def export_report(request: HttpRequest, table: str, fmt: Format) -> Any:
    """One report table as CSV or XLSX, or `report.xlsx`: every table, one sheet each."""
    user = _staff(request)
    if (table != "report" and table not in REPORT_TABLES) or (table == "report" and fmt == "csv"):
        raise NotFound(_("There is no report %(name)s.") % {"name": table})
    f = filters.parse(user, request.GET)
    found = tables(kpi.build(user, f))
    if table not in found and table != "report":
        raise NotFound(_("Choose a custom field to group by (`group_by`)."))
    chosen = list(found.values()) if table == "report" else [found[table]]
    name = f"{table}-{f.start}-{f.end}.{fmt}"
    if fmt == "csv":
        only = chosen[0]
        return exports.csv_response(name, only.header, only.rows)
    return exports.xlsx_response(name, [(t.title, t.header, t.rows) for t in chosen])
