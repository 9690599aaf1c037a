"""CSV and XLSX downloads of incident lists and report tables: no row cap, constant memory,
and inert in a spreadsheet.

A text cell that a spreadsheet would read as a formula gets a leading `'`, so it is shown as
typed and never evaluated: one whose first characters, after any white space (ordinary, no-break,
ideographic), are a control character (tab, carriage return, line feed, NUL...) or `=`, `+`, `-`,
`@` or their full-width forms `＝ ＋ － ＠` (which some spreadsheets, and an IME, turn into the
ASCII ones). Numbers and times stay typed values. CSV is streamed row by row; XLSX is written
by xlsxwriter in constant-memory mode to an anonymous temporary file, then streamed.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.fields import definitions
from incidesk.incidents.access import sees_field
from incidesk.incidents.models import Channel, Incident, Kind
from incidesk.incidents.queries import time_spent
from incidesk.incidents.status import Status

# A control character or a formula sign, after any white space and control characters.
FORMULA = re.compile(r"[\s\x00-\x1f\x7f-\x9f]*[\x00-\x1f\x7f-\x9f=+\-@\uff1d\uff0b\uff0d\uff20]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000

Row = Sequence[Any]


def neutralise(value: Any) -> Any:
    """The value as a spreadsheet may safely show it (see the module docstring)."""
    if isinstance(value, str) and FORMULA.match(value):
        return "'" + value
    return value


def _text(value: Any) -> Any:
    """CSV has no types: times as ISO text, empty for nothing."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value)) if not isinstance(value, int | float) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: Row, rows: Iterable[Row]) -> StreamingHttpResponse:
    """A streamed UTF-8 CSV (with a BOM, so Excel reads Cyrillic right)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([_text(h) for h in header])
        for row in rows:
            yield writer.writerow([_text(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


Sheet = tuple[str, Row, Iterable[Row]]


def xlsx_response(filename: str, sheets: Iterable[Sheet]) -> FileResponse:
    """An XLSX with one worksheet per (title, header, rows), written in constant memory."""
    import xlsxwriter  # here: only an XLSX export needs it, not every web worker

    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    book = xlsxwriter.Workbook(
        handle,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for title, header, rows in sheets:
        sheet = book.add_worksheet(str(title)[:31])
        for col, name in enumerate(header):
            sheet.write_string(0, col, neutralise(str(name)), bold)
        for index, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                _write(sheet, index, col, value, when, day)
    book.close()
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _write(sheet: Any, row: int, col: int, value: Any, when: Any, day: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, when)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, day)
    else:
        sheet.write_string(row, col, neutralise(str(value)))


# --- incident lists -----------------------------------------------------------------------------

INCIDENT_COLUMNS = [
    ("number", _("Number")),
    ("kind", _("Kind")),
    ("title", _("Title")),
    ("status", _("Status")),
    ("priority", _("Priority")),
    ("category__code", _("Category")),
    ("service__code", _("Service")),
    ("cause__code", _("Cause")),
    ("team__code", _("Team")),
    ("assignee__email", _("Assignee")),
    ("organisation__name", _("Organisation")),
    ("channel", _("Channel")),
    ("created_at", _("Registered")),
    ("first_response_at", _("First response")),
    ("resolved_at", _("Resolved")),
    ("closed_at", _("Closed")),
    ("reopen_count", _("Reopened")),
    ("satisfaction", _("Rating")),
    ("time_spent", _("Time spent, min")),
]
LABELS = {
    "status": dict(Status.choices),
    "kind": dict(Kind.choices),
    "channel": dict(Channel.choices),
}


def incident_columns(user: User) -> list[tuple[str, Any]]:
    """The columns whose field the access table lets `user` read: a customer gets no team,
    people or internal fields; then a column per active custom field they see (by code, as
    the reference columns; one query reads the definitions)."""
    columns = [c for c in INCIDENT_COLUMNS if sees_field(user, c[0].split("__")[0])]
    return columns + [
        (f"custom__{d.code}", d.label)
        for d in definitions.current().all
        if d.active and (user.is_desk_staff or d.customer_visible)
    ]


def incident_rows(
    queryset: QuerySet[Incident], fields: list[str], zone: ZoneInfo
) -> Iterator[list[Any]]:
    """Rows in the viewer's time zone (naive local times, as a spreadsheet shows them), read
    in chunks of a server-side cursor. The time spent is a subquery per row, read with it."""
    if "time_spent" in fields:
        queryset = queryset.annotate(time_spent=time_spent())
    for values in queryset.order_by("created_at", "id").values_list(*fields).iterator(CHUNK):
        row = []
        for name, value in zip(fields, values, strict=True):
            if isinstance(value, datetime):
                value = value.astimezone(zone).replace(tzinfo=None)
            elif name in LABELS:
                value = str(LABELS[name].get(value, value))
            elif isinstance(value, list):  # several choices: their codes
                value = ", ".join(map(str, value))
            row.append(value)
        yield row
