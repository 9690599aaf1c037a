"""Record numbers per prefix (INC-000001 for incidents, PRB-000001 for problems): unique, gap-free
per committed transaction, never reused."""

from django.db import connection

from incidesk.incidents.models import NumberCounter

PREFIX = "INC"


def next_number(prefix: str = PREFIX) -> str:
    """Take the next number. Must run inside the creating transaction: the counter row stays
    locked until commit (PostgreSQL row lock; SQLite's IMMEDIATE write lock), so two creators
    can never read the same value."""
    NumberCounter.objects.get_or_create(prefix=prefix)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {NumberCounter._meta.db_table} SET last = last + 1 "  # noqa: S608  the model's own table; the prefix is a parameter
            "WHERE prefix = %s RETURNING last",
            [prefix],
        )
        (value,) = cursor.fetchone()
    return f"{prefix}-{value:06d}"
