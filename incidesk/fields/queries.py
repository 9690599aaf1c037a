"""Custom field values in queries: the one condition every list filter uses (the API, the
console's queues), and the grouping of a report by a field.

A several-choices value is a JSON list, and "has this choice" is not a lookup Django offers
on SQLite (`contains` on a JSON field is PostgreSQL-only), so `ListHolds` spells it per
database: `json_each` on SQLite, `@>` on PostgreSQL. Every other type is an equality on the
key (`custom__<code>`), which Django spells on both.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.sql.compiler import SQLCompiler

from incidesk.fields.definitions import Definition
from incidesk.fields.models import FieldType


class ListHolds(Func):
    """Whether the JSON list under key `code` of the JSON column `column` holds the text
    `value`. A scalar stored under the key matches on SQLite when equal (json_each yields it)."""

    output_field = BooleanField()

    def __init__(self, column: str, code: str, value: str) -> None:
        super().__init__(F(column), Value(code), Value(value))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        parts = [compiler.compile(e) for e in self.get_source_expressions()]
        (column, column_params), (code, code_params), (value, value_params) = parts
        if connection.vendor == "postgresql":
            sql = f"(({column} -> ({code})::text) @> jsonb_build_array(({value})::text))"
        else:
            sql = (
                f"EXISTS (SELECT 1 FROM json_each({column}, '$.' || {code}) AS item "  # noqa: S608  compiled expressions, values as parameters
                f"WHERE item.value = {value})"
            )
        return sql, (*column_params, *code_params, *value_params)


def matches(definition: Definition, value: Any, column: str = "custom") -> Q:
    """Rows whose stored value of `definition` is `value` (a several-choices field: whose list
    holds it). `value` is in its stored form (`fields.values.filter_condition`)."""
    if definition.type == FieldType.CHOICES:
        return Q(ListHolds(column, definition.code, str(value)))
    return Q(**{f"{column}__{definition.code}": value})
