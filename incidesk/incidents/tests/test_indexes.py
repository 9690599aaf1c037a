"""The indexes a registration no longer writes stay gone (issue 13). That no index of any
table leads another is `core/tests/test_indexes.py`'s test."""

from __future__ import annotations

import pytest
from django.db import connection

from incidesk.core.tests.test_indexes import table_indexes
from incidesk.incidents.models import Incident, TimelineEvent
from incidesk.sla.models import SlaClock


@pytest.mark.django_db
def test_the_dropped_one_column_indexes_stay_dropped() -> None:
    """The foreign keys whose index another starts with (Django would add one back for a
    plain `ForeignKey`), and a NULL-at-registration reference, which has a partial index."""
    for model, column, wider in (
        (Incident, "assignee_id", "inc_assignee"),
        (Incident, "team_id", "inc_team"),
        (Incident, "reporter_id", "inc_reporter"),
        (Incident, "organisation_id", "inc_organisation"),
        (TimelineEvent, "incident_id", "event_incident"),
        (SlaClock, "incident_id", "unique_clock"),
    ):
        indexes = table_indexes(model)
        assert [n for n, i in indexes.items() if i["columns"] == [column]] == [], column
        assert indexes[wider]["columns"][0] == column
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Incident._meta.db_table)
    for column, partial in (
        ("hold_reason_id", "inc_hold_reason"),
        ("category_id", "inc_category"),
        ("service_id", "inc_service"),
        ("cause_id", "inc_cause"),
        ("resolution_code_id", "inc_resolution_code"),
    ):
        assert [n for n, i in found.items() if i["index"] and i["columns"] == [column]] == [partial]
