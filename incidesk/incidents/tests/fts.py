"""What SQLite's full-text index holds beyond its rows."""

from django.db import connection

from incidesk.incidents.search import FTS_TABLE


def segments_left_to_merge() -> bool:
    """Whether the index has more than one segment. Asks FTS5 to merge every level (a negative
    'merge'), which writes nothing when one segment is all there is: SQLite's documented way to
    tell is that the connection's total changes grow by less than two."""
    raw = connection.connection
    before = raw.total_changes
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('merge', -16)")
    return bool(raw.total_changes - before >= 2)
