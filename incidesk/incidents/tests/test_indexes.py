"""The tables a registration writes carry no index another index already serves: each index
costs an entry on every insert (issue 13), and one whose columns lead another full index
answers no query the other does not."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model

from incidesk.incidents.models import Incident, SearchDocument, TimelineEvent
from incidesk.sla.models import SlaClock

REGISTRATION_WRITES = (Incident, TimelineEvent, SlaClock, SearchDocument)


def _indexes(model: type[Model]) -> dict[str, Any]:
    """The table's indexes and unique constraints as the database has them, partial ones left
    out (the model's `Meta.indexes` says which: introspection does not on either database)."""
    partial = {index.name for index in model._meta.indexes if index.condition is not None}
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: found[name]
        for name in found
        if (found[name]["index"] or found[name]["unique"]) and name not in partial
    }


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTRATION_WRITES, ids=lambda m: m.__name__)
def test_no_index_leads_another(model: type[Model]) -> None:
    """PostgreSQL's `_like` index (Django's `varchar_pattern_ops` twin of a character column's
    unique index) is another operator class: it serves `LIKE 'x%'`, which the other cannot."""
    indexes = _indexes(model)
    redundant = {
        name: other
        for name, index in indexes.items()
        if not index["unique"] and not index["primary_key"] and not name.endswith("_like")
        for other, wider in indexes.items()
        if other != name and wider["columns"][: len(index["columns"])] == index["columns"]
    }
    assert redundant == {}


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
        indexes = _indexes(model)
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
