"""On PostgreSQL, a committed task row wakes the idle workers (`core.wakeup`): a statement
trigger NOTIFYs `incidesk_tasks` with the earliest due time (epoch seconds, 0 for "at once")
among the READY rows an INSERT or UPDATE wrote. Statement-level, so a bulk insert sends one
notification; nothing on SQLite, where the committing process pokes the worker's socket."""

from collections.abc import Callable
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "django_tasks_database_dbtaskresult"

CREATE = [
    """
CREATE OR REPLACE FUNCTION incidesk_task_wakeup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    due double precision;
BEGIN
    SELECT min(CASE WHEN run_after >= '9000-01-01 00:00:00+00' THEN 0
                    ELSE extract(epoch FROM run_after) END)
      INTO due FROM new_rows WHERE status = 'READY';
    IF due IS NOT NULL THEN
        PERFORM pg_notify('incidesk_tasks', due::text);
    END IF;
    RETURN NULL;
END
$$""",
    *(
        f"CREATE TRIGGER incidesk_task_{name} AFTER {event} ON {TABLE} REFERENCING"
        " NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incidesk_task_wakeup()"
        for name, event in (("inserted", "INSERT"), ("updated", "UPDATE"))
    ),
]

DROP = [
    f"DROP TRIGGER IF EXISTS incidesk_task_inserted ON {TABLE}",
    f"DROP TRIGGER IF EXISTS incidesk_task_updated ON {TABLE}",
    "DROP FUNCTION IF EXISTS incidesk_task_wakeup()",
]


def run(statements: list[str]) -> Callable[[Any, BaseDatabaseSchemaEditor], None]:
    def apply(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_generation"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
