"""CSV and XLSX exports: formula injection neutralised, numbers kept, access respected."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
import time_machine

from incidesk.accounts.models import Organisation
from incidesk.accounts.tests.factories import CustomerFactory, OrganisationFactory
from incidesk.analytics.exports import neutralise
from incidesk.analytics.tests.dataset import at, moment
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.tests.apiclient import Api

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2026-11-09", "date_to": "2026-11-13"}
HOSTILE_TITLES = ['=HYPERLINK("http://evil")', "+7 999 000", "-2+3", "@SUM(A1:A9)"]
HOSTILE_ORGANISATION = "  =cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("   =1+1", "'   =1+1"),
        ("\u00a0@x", "'\u00a0@x"),
        ("  \tx", "'  \tx"),
        ("\x00=1+1", "'\x00=1+1"),
        ("\n-1", "'\n-1"),
        ("\x1b+1", "'\x1b+1"),
        ("\u3000@x", "'\u3000@x"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\uff0bx", "'\uff0bx"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20A1", "'\uff20A1"),
        (" \r\n \uff1dx", "' \r\n \uff1dx"),
        ("Принтер ＝ сломан", "Принтер ＝ сломан"),
        ("a\x00b", "a\x00b"),
        ("Принтер = сломан", "Принтер = сломан"),
        ("a-b", "a-b"),
        ("", ""),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_neutralise(value, shown):
    assert neutralise(value) == shown


def _hostile(desk):
    organisation = OrganisationFactory()
    # Names lose their leading white space at intake now; a name stored before keeps it.
    Organisation.objects.filter(pk=organisation.pk).update(name=HOSTILE_ORGANISATION)
    reporter = CustomerFactory(organisation=organisation)
    for title in HOSTILE_TITLES:
        with moment(at(12, 14)):
            actions.do_create_incident(actor=reporter, title=title, reporter=reporter)
    return reporter


def export(user, name, **params):
    with time_machine.travel(at(14, 12), tick=False):
        response = Api(user).get(f"/reports/export/{name}", {**PERIOD, **params})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_csv_incident_export_is_inert(desk):
    _hostile(desk)
    rows = read_csv(export(desk.lead, "incidents.csv"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Number", "Kind", "Title"]
    titles = {row[2] for row in body}
    assert {"'" + title for title in HOSTILE_TITLES} <= titles
    assert "'" + HOSTILE_ORGANISATION in {row[header.index("Organisation")] for row in body}
    assert len(body) == 7 + len(HOSTILE_TITLES)


def test_xlsx_incident_export_is_inert_and_typed(desk):
    _hostile(desk)
    sheets = read_xlsx(export(desk.lead, "incidents.xlsx"))
    (rows,) = sheets.values()
    header, body = rows[0], rows[1:]
    titles = {row[2] for row in body}
    assert {"'" + title for title in HOSTILE_TITLES} <= titles
    priority = header.index("Priority")
    assert {row[priority] for row in body} == {3}  # a number, not text
    registered = header.index("Registered")
    # Local time of the viewer (Vladivostok, Moscow + 7 h), without a zone, as Excel keeps it.
    first = min(row[registered] for row in body)
    assert (first.day, first.hour) == (9, 17)


# Titles as they may have been stored before intake cleaned one-line fields (or by an import):
# a formula behind control characters or white space, or written with full-width signs. (NUL is
# in `test_neutralise` only: PostgreSQL cannot store it.)
LEGACY_TITLES = [
    "\x01=1+1",
    '\r\n=HYPERLINK("http://evil")',
    "\t@SUM(A1:A9)",
    "\x1b-2+3",
    "\u3000+7 999",
    '\uff1dHYPERLINK("http://evil")',
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
]


def _legacy(desk):
    reporter = CustomerFactory()
    for title in LEGACY_TITLES:
        with moment(at(12, 14)):
            incident = actions.do_create_incident(actor=reporter, title="x", reporter=reporter)
        Incident.objects.filter(pk=incident.pk).update(title=title)


def test_csv_export_is_inert_behind_controls_and_in_full_width(desk):
    _legacy(desk)
    titles = {row[2] for row in read_csv(export(desk.lead, "incidents.csv"))[1:]}
    assert {"'" + title for title in LEGACY_TITLES} <= titles


def test_xlsx_export_is_inert_behind_controls_and_in_full_width(desk):
    _legacy(desk)
    (rows,) = read_xlsx(export(desk.lead, "incidents.xlsx")).values()
    # OOXML writes a control character as `_xHHHH_`; a spreadsheet shows the character.
    titles = {re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), row[2]) for row in rows[1:]}
    assert {"'" + title for title in LEGACY_TITLES} <= titles


def test_report_workbook_has_a_sheet_per_table(desk):
    sheets = read_xlsx(export(desk.lead, "report.xlsx"))
    assert len(sheets) == 11
    assert list(sheets)[-2:] == ["Time spent by agent", "Time spent by organisation"]
    volume = sheets["Volume"]
    assert volume[1] == ("Registered", 7)


def test_report_table_as_csv(desk):
    rows = read_csv(export(desk.lead, "sla.csv"))
    assert rows[0] == ["Target", "Priority", "Completed", "Met", "Breached", "Met, %"]
    assert rows[1] == ["First response", "all", "5", "4", "1", "80.0"]


def test_customer_exports_only_what_they_see(desk):
    rows = read_csv(export(desk.customer, "incidents.csv"))
    header, body = rows[0], rows[1:]
    # The fields the API shows them, no more: the desk's own (team, assignee, cause) stay out.
    assert "Team" not in header and "Assignee" not in header and "Cause" not in header
    assert "Organisation" in header and "Rating" in header
    numbers = {row[0] for row in body}
    assert desk.incidents["X1"].number not in numbers
    assert desk.incidents["I1"].number in numbers
    other = read_csv(export(desk.other_customer, "incidents.csv"))[1:]
    assert [row[0] for row in other] == [desk.incidents["X1"].number]
