"""Record numbers per prefix (INC-000001 for incidents, PRB-000001 for problems): unique and
never reused, gap-free per committed transaction.

The counter row is taken with `UPDATE ... RETURNING` and stays locked until the transaction
ends (PostgreSQL's row lock; on SQLite the whole write transaction holds the file's write lock
anyway), so two creators never read the same value and a rolled-back creation gives its number
back. Whatever runs after the number is taken runs one creator at a time: registration takes
it last on PostgreSQL (`do_create_incident`), problems at the start (they are rare).
"""

import secrets

from django.db import connection

from incidesk.incidents.models import NumberCounter

PREFIX = "INC"
# An incident is inserted under a placeholder and numbered at the end of its transaction; the
# placeholder is never seen outside that transaction. 72 random bits: two creations in flight
# never share one (the unique index would refuse the second).
PLACEHOLDER_PREFIX = "~"


def placeholder() -> str:
    """A unique stand-in for the number while the creating transaction runs."""
    return PLACEHOLDER_PREFIX + secrets.token_hex(9)


def writers_take_turns() -> bool:
    """Whether the database runs one write transaction at a time (SQLite: the file's write
    lock, from BEGIN IMMEDIATE or the first write to the end). There, when the number is
    taken changes nothing for concurrency."""
    return connection.vendor == "sqlite"


def next_number(prefix: str = PREFIX) -> str:
    """Take the next number. Must run inside the creating transaction: the counter row stays
    locked until commit, so put as little as possible after it."""
    sql = (
        f"UPDATE {NumberCounter._meta.db_table} SET last = last + 1 "  # noqa: S608  the model's own table; the prefix is a parameter
        "WHERE prefix = %s RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
        if row is None:  # the first record with this prefix
            NumberCounter.objects.get_or_create(prefix=prefix)
            cursor.execute(sql, [prefix])
            row = cursor.fetchone()
    return f"{prefix}-{row[0]:06d}"
