"""Full-text search that understands Russian word forms, on both databases.

The actions layer keeps one `SearchDocument` per incident (number, title, description, public
comments). PostgreSQL keeps `to_tsvector('russian', body)` in a stored column, `search_vector`,
indexed with GIN; SQLite keeps an FTS5 table
of Snowball-stemmed words, so "принтер" finds "принтера" and "принтеры" on both. Searching only
narrows a queryset: access rules are applied by the caller, before or after.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import snowballstemmer
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from incidesk.core.compiled import insert_new
from incidesk.incidents.models import Incident, SearchDocument, Visibility

FTS_TABLE = "incidents_search_fts"
# Runs of letters and digits, as FTS5's unicode61 tokenizer splits them ("in_progress" is two
# words there): a stem FTS5 would split is a phrase, which an index without positions refuses.
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@cache
def _stemmers() -> tuple[Any, Any]:
    return snowballstemmer.stemmer("russian"), snowballstemmer.stemmer("english")


def stem_words(text: str) -> list[str]:
    """Lower-cased Snowball stems: Russian for Cyrillic words, English for the rest. A number
    (ASCII digits, such as an incident number's) is its own stem: no Snowball rule touches a
    digit, and each new number would be a miss of the stems' cache."""
    return [
        w if w.isdigit() and w.isascii() else _stem(w.lower().replace("ё", "е"))
        for w in _WORD.findall(text)
    ]


# A desk's texts share most of their words: a word's stem is worked out once per process (the
# pure-Python Snowball stemmer was a sixth of a registration's CPU). Bounded: about 5 MiB.
@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    russian, english = _stemmers()
    stemmer = russian if _CYRILLIC.search(word) else english
    stem: str = stemmer.stemWord(word)
    return stem


def document_text(incident: Incident) -> str:
    comments = incident.comments.filter(visibility=Visibility.PUBLIC).values_list("body", flat=True)
    return "\n".join([incident.number, incident.title, incident.description, *comments])


def index_incident(incident: Incident) -> None:
    """Rewrite the incident's search document (call inside the action's transaction)."""
    body = document_text(incident)
    SearchDocument.objects.update_or_create(incident=incident, defaults={"body": body})
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [incident.pk])  # noqa: S608  FTS_TABLE is a constant; values are parameters
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, stems) VALUES (%s, %s)",  # noqa: S608  FTS_TABLE is a constant; values are parameters
                [incident.pk, " ".join(stem_words(body))],
            )


def index_new_incident(incident: Incident) -> None:
    """Index an incident its action has just inserted: it has no comments and no document yet,
    so two INSERTs (one on PostgreSQL) instead of a rewrite."""
    body = "\n".join([incident.number, incident.title, incident.description])
    insert_new([SearchDocument(incident=incident, body=body)])
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, stems) VALUES (%s, %s)",  # noqa: S608  FTS_TABLE is a constant; values are parameters
                [incident.pk, " ".join(stem_words(body))],
            )


def settle_index() -> None:
    """Merge SQLite's full-text index into one segment after a bulk load (the demo; migration
    0027 does the same for the index 0026 rebuilt). Rows written in large batches leave many
    segments, and FTS5 merges them a little at every later commit: after the demo's million,
    each registration's commit did that merging for thousands of registrations, 40 % more
    instructions each. An index grown one registration at a time has no such backlog, and a
    merged one has none either."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608  FTS_TABLE is a constant


def _fts5_query(q: str) -> str:
    stems = stem_words(q)
    return " AND ".join(f'"{stem}"' for stem in stems)


# Above this many matches, SQLite finds a page faster by walking the list's own ordering index
# and testing each row against the matches, read from FTS5 into a list once, than by loading
# every match by primary key and sorting them. Below it, the walk could read most of the index
# before it found a page (a word in ten incidents), and loading the few matches is cheaper.
DENSE_MATCHES = 1_000
# The list holds the newest CANDIDATES matches by id (FTS5 reads a rowid range, not the
# whole doclist: 140,000 matches took 60 ms at a million incidents). Incidents are numbered
# as they are registered, so these are the ones the walk meets first; an older id the walk
# meets all the same (a back-dated import, a later page) is asked of FTS5 itself, so the
# answer is exact either way. Asking FTS5 about every row costs ~0.5 ms a row at a million.
CANDIDATES = 2_000


def search(queryset: QuerySet[Incident], q: str) -> QuerySet[Incident]:
    """Narrow `queryset` to incidents matching every word of `q` (in any word form)."""
    q = q.strip()
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.filter(
            pk__in=RawSQL(
                "SELECT incident_id FROM incidents_searchdocument "
                "WHERE search_vector @@ websearch_to_tsquery('russian', %s)",
                [q],
            )
        )
    expression = _fts5_query(q)
    if not expression:
        return queryset.none()
    matches = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608  FTS_TABLE is a constant; the expression is a parameter
    count, oldest_candidate = _matches(expression)
    if count <= DENSE_MATCHES:
        return queryset.filter(pk__in=RawSQL(matches, [expression]))  # noqa: S611  as above
    # `+id`: no index on id for these terms, so SQLite keeps the ordering index as the loop.
    table = queryset.model._meta.db_table
    params: list[str | int]
    if oldest_candidate is None:
        sql, params = f'+"{table}"."id" IN ({matches})', [expression]
    else:
        sql = (
            f'(+"{table}"."id" IN ({matches} AND rowid >= %s) OR (+"{table}"."id" < %s '
            f'AND EXISTS ({matches} AND {FTS_TABLE}.rowid = "{table}"."id")))'
        )
        params = [expression, oldest_candidate, oldest_candidate, expression]
    return queryset.filter(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611  our own table names; values are parameters


def _matches(expression: str) -> tuple[int, int | None]:
    """How many incidents match, counted up to DENSE_MATCHES + 1 (the whole count of a word
    in 14 % of a million incidents took 12-27 ms), and the id of the CANDIDATES-th newest
    match (None if there are fewer)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "  # noqa: S608  FTS_TABLE is a constant; values are parameters
            f"LIMIT %s)), (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            "ORDER BY rowid DESC LIMIT 1 OFFSET %s)",
            [expression, DENSE_MATCHES + 1, expression, CANDIDATES - 1],
        )
        count, oldest = cursor.fetchone()
        return int(count), oldest
