"""Russian full-text search by word forms, on both databases."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.incidents import actions
from incidesk.incidents import search as search_module
from incidesk.incidents.access import visible_to
from incidesk.incidents.models import Incident
from incidesk.incidents.search import search, settle_index, stem_words
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.incidents.tests.fts import segments_left_to_merge

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    return set(search(Incident.objects.all(), q).values_list("number", flat=True))


def test_stems_unify_russian_word_forms():
    assert len(set(stem_words("принтер принтера принтеры принтеров"))) == 1


def test_a_number_is_its_own_stem_as_the_stemmer_would_make_it():
    """Numbers skip the stemmer (and its cache); Snowball leaves digits as they are."""
    english = search_module._stemmers()[1]
    numbers = ["0", "7", "000123", "015483", "2026", "1234567890123", "100s"]
    assert stem_words("INC-015483 " + " ".join(numbers)) == [
        "inc",
        "015483",
        *[english.stemWord(n) for n in numbers],
    ]
    assert all(english.stemWord(str(n).zfill(6)) == str(n).zfill(6) for n in range(0, 10**6, 997))
    assert stem_words("٣٤") == [search_module._stem("٣٤")]  # not ASCII: stemmed as before


@pytest.mark.parametrize("q", ["принтер", "принтера", "принтеры", "ПРИНТЕРОМ"])
def test_word_forms_find_each_other(q):
    printer = make_incident(title="Не работает принтер на третьем этаже")
    make_incident(title="Нет доступа к почте")
    assert found(q) == {printer.number}


def test_searches_description_number_and_public_replies():
    agent = AgentFactory()
    incident = make_incident(
        Status.IN_PROGRESS, agent=agent, title="Ошибка", description="Сломалась клавиатура"
    )
    actions.do_add_comment(incident, actor=agent, body="Заказали новые картриджи")
    assert found("клавиатуры") == {incident.number}
    assert found("картридж") == {incident.number}
    assert found(incident.number) == {incident.number}


def test_all_words_must_match():
    a = make_incident(title="Принтер не печатает")
    make_incident(title="Принтер шумит")
    assert found("принтер печатает") == {a.number}


def test_title_change_reindexes():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent, title="Сканер")
    actions.do_update_incident(incident, actor=agent, title="Монитор мигает")
    assert found("мониторы") == {incident.number}
    assert found("сканер") == set()


def test_punctuation_only_query_finds_nothing():
    make_incident()
    assert found('"*()') == set()


def _newest_ids_sql(q: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL that picks a console page's ids: matches of `q`, newest first, 51 of them."""
    queryset = search(Incident.objects.all(), q).order_by("-created_at", "-id")
    return queryset.values_list("pk", flat=True)[:51].query.sql_with_params()


@pytest.mark.parametrize(("dense", "candidates"), [(True, 1), (True, 2_000), (False, 2_000)])
def test_every_way_gives_the_same_rows_in_the_same_order(monkeypatch, dense, candidates):
    """Many or few matches, a short list of candidates or all of them, the page is every
    match, newest first, and access still applies, also when an incident with an older id
    is the newest (back-dated): it is found outside the candidates."""
    monkeypatch.setattr(search_module, "DENSE_MATCHES", 1 if dense else 1_000_000)
    monkeypatch.setattr(search_module, "CANDIDATES", candidates)
    printers = [make_incident(title=f"Принтер {i}") for i in range(3)]
    make_incident(title="Нет доступа к почте")
    Incident.objects.filter(pk=printers[0].pk).update(
        created_at=printers[-1].created_at + timedelta(hours=1)
    )
    expected = [printers[0].number, printers[2].number, printers[1].number]
    assert list(search(Incident.objects.all(), "принтеры").values_list("number", flat=True)) == (
        expected
    )
    reporter = printers[1].reporter
    assert reporter is not None
    assert list(search(visible_to(reporter), "принтер").values_list("number", flat=True)) == [
        printers[1].number
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_a_very_common_word_lists_only_its_newest_matches(monkeypatch):
    """Above CANDIDATES matches, the list holds the newest by id (a rowid range FTS5 reads
    without the rest of the word's doclist: 60 ms -> 0.6 ms at a million for a word in 14 %),
    and only a row outside it is asked of FTS5 itself."""
    monkeypatch.setattr(search_module, "DENSE_MATCHES", 1)
    monkeypatch.setattr(search_module, "CANDIDATES", 2)
    for _ in range(3):
        make_incident(title="Принтер")
    sql, params = _newest_ids_sql("принтер")
    assert "MATCH %s AND rowid >= %s) OR (+" in sql.replace("?", "%s"), sql
    plan = _sqlite_plan(sql, params)
    assert plan[:3] == [
        "SCAN incidents_incident USING COVERING INDEX inc_created",
        "LIST SUBQUERY 1",
        "SCAN incidents_search_fts VIRTUAL TABLE INDEX 0:M1>",
    ], plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_a_common_word_walks_the_ordering_index_against_the_matches_read_once(monkeypatch):
    """Above `DENSE_MATCHES`, the newest page walks `inc_created` and tests each row against
    the matches, read from FTS5 once into a list: no FTS5 query per row (the old plan: 77 ms of
    CPU at a million incidents) and no sort of every match."""
    monkeypatch.setattr(search_module, "DENSE_MATCHES", 1)
    for _ in range(2):
        make_incident(title="Принтер")
    sql, params = _newest_ids_sql("принтер")
    assert '+"incidents_incident"."id" IN (SELECT rowid FROM incidents_search_fts' in sql, sql
    assert _sqlite_plan(sql, params) == [
        "SCAN incidents_incident USING COVERING INDEX inc_created",
        "LIST SUBQUERY 1",
        "SCAN incidents_search_fts VIRTUAL TABLE INDEX 0:M1",
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_a_rare_word_loads_its_few_matches_by_primary_key():
    make_incident(title="Принтер")
    sql, params = _newest_ids_sql("принтер")
    plan = _sqlite_plan(sql, params)
    assert plan[0] == "SEARCH incidents_incident USING INTEGER PRIMARY KEY (rowid=?)", plan
    assert "SCAN incidents_search_fts VIRTUAL TABLE INDEX 0:M1" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's full-text index")
def test_settling_the_index_leaves_one_segment_that_finds_everything():
    # Each incident is written in a savepoint of its own, so each leaves a segment.
    first = [make_incident(title=f"Принтер {n}") for n in range(3)]
    assert segments_left_to_merge()
    later = [make_incident(title=f"Принтер в офисе {n}") for n in range(3)]

    settle_index()

    assert not segments_left_to_merge()
    assert set(search(Incident.objects.all(), "принтеры")) == {*first, *later}


def _sqlite_plan(sql: str, params: tuple[Any, ...]) -> list[str]:
    """The plan without statistics: an earlier test's flush runs the post-migrate ANALYZE on
    whatever rows it left, and those statistics would change the planner's choice."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")  # reload
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plan")
def test_postgresql_matches_from_the_stored_vector_and_its_gin_index():
    """The match reads the stored `search_vector` (no `to_tsvector` per row, whichever way
    the planner goes) and its GIN index can answer it."""
    make_incident(title="Принтер")
    sql, params = _newest_ids_sql("принтер")
    assert "search_vector @@" in sql and "to_tsvector" not in sql, sql
    with connection.cursor() as cursor:
        # With scans and plain index walks off, only an index that can answer the match is
        # left (on an empty table the planner would otherwise walk the primary key).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on incidents_search_vector" in plan, plan
