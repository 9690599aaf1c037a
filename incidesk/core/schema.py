"""Schema operations Django's own do too slowly for a large desk."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Index


class DropFieldIndex(migrations.AlterField):
    """Turn off `db_index` on a field by dropping its one-column index, nothing else.

    Django's SQLite backend makes any `AlterField` by copying the whole table and building all
    its indexes again: for the incident table at a million rows, minutes per field. The state
    is `AlterField`'s (the new field must have `db_index=False`); backwards builds the index again.
    On PostgreSQL a character column's index has a `_like` twin (`varchar_pattern_ops`): both go
    and both come back, as with Django's own `AlterField`.
    """

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        column = model._meta.get_field(self.name).column
        declared = {index.name for index in model._meta.indexes}
        names = schema_editor._constraint_names(
            model, [column], index=True, type_=Index.suffix, exclude=declared
        )
        for name in names:
            schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            for sql in schema_editor._field_indexes_sql(model, model._meta.get_field(self.name)):
                schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Drop the index of field {self.name} on {self.model_name}"
