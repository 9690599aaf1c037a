"""No table of the project carries an index another index already serves: each index costs an
entry on every insert and a change on every update of its columns (issue 13), and one whose
columns lead another full index answers no query the other does not, the delete's CASCADE and
PROTECT checks included."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Model

# Django's own tables for a many-to-many field (team members, a user's groups and permissions,
# an availability's categories and services, a field definition's categories, an article's
# organisations, a policy's pausing hold reasons) index each side as well as the unique pair,
# and no field option turns that off: it would take an explicit `through` model each. They are
# small and written when an administrator edits a team or a setting, so they are left as they are.
PROJECT_MODELS = sorted(
    (
        model
        for model in apps.get_models()
        if model._meta.app_config.name.startswith("incidesk.")
        and model._meta.managed
        and not model._meta.proxy
    ),
    key=lambda model: model._meta.db_table,
)


def table_indexes(model: type[Model]) -> dict[str, Any]:
    """The table's indexes and unique constraints as the database has them, partial ones left
    out (the model's `Meta` says which: introspection does not on either database)."""
    partial = {
        item.name
        for item in (*model._meta.indexes, *model._meta.constraints)
        if getattr(item, "condition", None) is not None
    }
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: found[name]
        for name in found
        if (found[name]["index"] or found[name]["unique"]) and name not in partial
    }


def _plain(name: str, index: dict[str, Any]) -> bool:
    """A B-tree over columns in their default operator class. PostgreSQL's `_like` index
    (Django's `varchar_pattern_ops` twin of a character column's index) serves `LIKE 'x%'`,
    which the other cannot, and a GIN or expression index serves other queries altogether."""
    return (
        index.get("type") in (None, "idx")
        and bool(index["columns"])
        and None not in index["columns"]
        and not name.endswith("_like")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.db_table)
def test_no_index_leads_another(model: type[Model]) -> None:
    indexes = {name: index for name, index in table_indexes(model).items() if _plain(name, index)}
    redundant = {
        name: other
        for name, index in indexes.items()
        if not index["unique"] and not index["primary_key"]
        for other, wider in indexes.items()
        if other != name and wider["columns"][: len(index["columns"])] == index["columns"]
    }
    assert redundant == {}
