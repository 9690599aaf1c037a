"""The queue page: which incidents each queue holds, counts, filters, saved views, paging,
the live fragment, and what it costs in queries."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Category
from incidesk.console import queues, views
from incidesk.console.models import SavedView
from incidesk.core.pagination import paginate
from incidesk.incidents import actions
from incidesk.incidents.models import Channel, Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

QUEUES_URL = reverse("console:queues")


def _numbers(response) -> list[str]:
    return [row.incident.number for row in response.context["rows"]]


def _counts(response) -> dict[str, str]:
    return {code: str(count) for code, _label, count, _link in response.context["tabs"]}


def test_my_incidents_is_the_default_queue(agent_client, agent, colleague):
    mine = make_incident(Status.IN_PROGRESS, agent=agent)
    theirs = make_incident(Status.IN_PROGRESS, agent=colleague)
    make_incident(Status.CLOSED, agent=agent)
    response = agent_client.get(QUEUES_URL)
    assert response.status_code == 200
    assert response.context["queue"] == "mine"
    assert _numbers(response) == [mine.number]
    assert theirs.number not in response.content.decode()


def test_each_queue_holds_what_its_name_says(agent_client, agent, colleague, team):
    unassigned = make_incident(Status.NEW)
    mine = make_incident(Status.IN_PROGRESS, agent=agent)
    team_mate = make_incident(Status.IN_PROGRESS, agent=colleague)
    held = make_incident(Status.ON_HOLD, agent=agent)
    closed = make_incident(Status.CLOSED, agent=agent)
    late = make_incident(Status.IN_PROGRESS, agent=colleague)
    Incident.objects.filter(pk=late.pk).update(escalated=True)

    def queue(code):
        return set(_numbers(agent_client.get(QUEUES_URL, {"queue": code})))

    assert queue("mine") == {mine.number, held.number}
    assert queue("team") == {mine.number, team_mate.number, held.number, late.number}
    assert queue("unassigned") == {unassigned.number}
    assert queue("on_hold") == {held.number}
    assert queue("breached") == {late.number}
    assert queue("open") == {
        unassigned.number,
        mine.number,
        team_mate.number,
        held.number,
        late.number,
    }
    assert closed.number in queue("all")
    counts = _counts(agent_client.get(QUEUES_URL))
    assert counts == {
        "mine": "2",
        "team": "4",
        "unassigned": "1",
        "breaching": "0",
        "breached": "1",
        "on_hold": "1",
        "open": "5",
        "all": "6",
    }


def test_breaching_soon_and_overdue_follow_the_due_times(agent_client, agent):
    soon = make_incident(Status.IN_PROGRESS, agent=agent)
    later = make_incident(Status.IN_PROGRESS, agent=agent)
    overdue = make_incident(Status.IN_PROGRESS, agent=agent)
    now = timezone.now()
    Incident.objects.filter(pk=soon.pk).update(resolution_due_at=now + timedelta(minutes=30))
    Incident.objects.filter(pk=later.pk).update(resolution_due_at=now + timedelta(hours=5))
    Incident.objects.filter(pk=overdue.pk).update(resolution_due_at=now - timedelta(minutes=1))
    assert _numbers(agent_client.get(QUEUES_URL, {"queue": "breaching"})) == [soon.number]
    response = agent_client.get(QUEUES_URL, {"queue": "breached"})
    assert _numbers(response) == [overdue.number]
    assert response.context["rows"][0].sla == "breached"


def test_ordered_by_due_time_then_priority(agent_client, agent):
    first, second, third = (make_incident(Status.IN_PROGRESS, agent=agent) for _ in range(3))
    due = timezone.now() + timedelta(hours=3)
    Incident.objects.filter(pk=first.pk).update(resolution_due_at=due, priority=4)
    Incident.objects.filter(pk=second.pk).update(resolution_due_at=due, priority=2)
    Incident.objects.filter(pk=third.pk).update(resolution_due_at=due - timedelta(minutes=5))
    assert _numbers(agent_client.get(QUEUES_URL)) == [third.number, second.number, first.number]
    by_priority = agent_client.get(QUEUES_URL, {"ordering": "priority"})
    assert _numbers(by_priority)[0] == second.number


def test_counts_stop_at_the_cap(agent_client, agent, monkeypatch):
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    for _ in range(3):
        make_incident(Status.IN_PROGRESS, agent=agent)
    response = agent_client.get(QUEUES_URL)
    assert _counts(response)["mine"] == "2+"
    assert 'data-count="mine"' in response.content.decode()


def test_filters(agent_client, agent):
    printer = Category.objects.get(code="printer")
    match = make_incident(
        Status.IN_PROGRESS,
        agent=agent,
        title="Сломался принтер в бухгалтерии",
        category=printer,
        channel=Channel.EMAIL,
    )
    make_incident(Status.IN_PROGRESS, agent=agent, title="Не работает VPN")
    Incident.objects.filter(pk=match.pk).update(priority=1)
    for params in (
        {"q": "принтеры"},
        {"priority": "1"},
        {"category": "hardware"},
        {"channel": "email"},
        {"status": "in_progress", "priority": ["1", "2"]},
        {"assignee": agent.email, "category": "printer"},
        {
            "created_from": timezone.localdate().isoformat(),
            "created_to": timezone.localdate().isoformat(),
            "q": "принтер",
        },
    ):
        response = agent_client.get(QUEUES_URL, {"queue": "open", **params})
        assert _numbers(response) == [match.number], params
        assert response.context["filtered"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert _numbers(agent_client.get(QUEUES_URL, {"queue": "open", "created_from": tomorrow})) == []


def test_a_stale_filter_value_is_dropped_not_refused(agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    response = agent_client.get(QUEUES_URL, {"team": "gone", "cursor": "garbage"})
    assert response.status_code == 200
    assert _numbers(response) == [incident.number]


def test_saved_views_per_user(agent_client, agent, colleague, client):
    response = agent_client.post(
        reverse("console:save_view"), {"name": "Принтеры P1", "query": "queue=open&priority=1"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?queue=open&priority=1")
    page = agent_client.get(QUEUES_URL)
    assert "Принтеры P1" in page.content.decode()
    assert [v.name for v in page.context["saved_views"]] == ["Принтеры P1"]
    agent_client.post(
        reverse("console:save_view"), {"name": "Принтеры P1", "query": "queue=open&priority=2"}
    )
    view = SavedView.objects.get(user=agent)
    assert view.query == "queue=open&priority=2"

    client.force_login(colleague)
    assert client.get(QUEUES_URL).context["saved_views"] == []
    assert client.post(reverse("console:delete_view", args=[view.pk])).status_code == 404
    client.force_login(agent)
    client.post(reverse("console:delete_view", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_keyset_pages(agent_client, agent, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [make_incident(Status.IN_PROGRESS, agent=agent) for _ in range(5)]
    seen, params = [], {"queue": "mine"}
    for _ in range(3):
        response = agent_client.get(QUEUES_URL, params)
        seen += _numbers(response)
        if not response.context["next_cursor"]:
            break
        params = {"queue": "mine", "cursor": response.context["next_cursor"]}
    assert sorted(seen) == sorted(i.number for i in made)
    assert len(seen) == 5


def _fill(agent, n):
    for i in range(n):
        make_incident(Status.IN_PROGRESS if i % 2 else Status.NEW, agent=agent)


@pytest.mark.parametrize("params", [{}, {"queue": "open", "q": "принтер"}, {"queue": "all"}])
def test_a_page_costs_a_fixed_number_of_queries(
    agent_client, agent, django_assert_max_num_queries, params
):
    _fill(agent, 3)
    with django_assert_max_num_queries(30) as few:
        agent_client.get(QUEUES_URL, params)
    _fill(agent, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_client.get(QUEUES_URL, params)
    assert response.context["rows"]


def test_live_fragment_shows_new_incidents_and_counts(agent_client, agent):
    first = make_incident(Status.NEW)
    url = reverse("console:queue_rows")
    response = agent_client.get(url, {"queue": "unassigned"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert first.number in text
    assert 'id="queue-live"' in text and 'hx-trigger="every 15s"' in text
    assert 'hx-swap-oob="true"' in text  # the counts follow
    second = make_incident(Status.NEW)
    response = agent_client.get(url, {"queue": "unassigned"}, HTTP_HX_REQUEST="true")
    assert second.number in response.content.decode()
    assert _counts(response)["unassigned"] == "2"


def test_queue_page_polls_its_fragment(agent_client):
    text = agent_client.get(QUEUES_URL, {"queue": "open"}).content.decode()
    assert f'hx-get="{reverse("console:queue_rows")}?queue=open"' in text


def test_user_text_is_escaped(agent_client, agent):
    """The rows are written in Python (`views._row_cells`): every text a person typed, the
    title and the reporter's name among them, is escaped as the template's autoescape did."""
    hostile = "<img src=x onerror=alert(1)>"
    reporter = CustomerFactory(full_name=f'"{hostile}')
    make_incident(Status.IN_PROGRESS, agent=agent, reporter=reporter, title=hostile)
    text = agent_client.get(QUEUES_URL).content.decode()
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&quot;&lt;img src=x" in text


def test_bulk_assign_and_close_report_each_failure(agent_client, agent, colleague):
    new = make_incident(Status.NEW)
    resolved = make_incident(Status.RESOLVED, agent=agent)
    response = agent_client.post(
        reverse("console:bulk"),
        {
            "incident": [new.number, resolved.number],
            "action": "assign",
            "assignee": colleague.email,
            "next": QUEUES_URL + "?queue=open",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == QUEUES_URL + "?queue=open"
    new.refresh_from_db()
    assert new.assignee == colleague and new.status == Status.IN_PROGRESS
    texts = [str(m) for m in response.context["messages"]]
    assert texts[0] == "Обновлён 1 инцидент."
    assert texts[1].startswith(resolved.number)

    response = agent_client.post(
        reverse("console:bulk"),
        {"incident": [resolved.number, new.number], "action": "close"},
        follow=True,
    )
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED
    assert any(str(m).startswith(new.number) for m in response.context["messages"])


def test_bulk_duplicate_and_team_move(client, lead, agent):
    original = make_incident(Status.IN_PROGRESS, agent=agent)
    copies = [make_incident(Status.NEW) for _ in range(2)]
    client.force_login(lead)
    response = client.post(
        reverse("console:bulk"),
        {
            "incident": [c.number for c in copies],
            "action": "duplicate",
            "original": original.number.lower(),
        },
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["Обновлено 2 инцидента."]
    for copy in copies:
        copy.refresh_from_db()
        assert copy.status == Status.CANCELLED and copy.duplicate_of == original

    from incidesk.accounts.tests.factories import TeamFactory

    other = TeamFactory(code="second-line")
    client.post(
        reverse("console:bulk"),
        {"incident": [original.number], "action": "team", "team": other.code},
    )
    original.refresh_from_db()
    assert original.team == other


def test_bulk_needs_the_actions_field(agent_client, agent):
    incident = make_incident(Status.NEW)
    response = agent_client.post(
        reverse("console:bulk"), {"incident": [incident.number], "action": "assign"}, follow=True
    )
    assert any("Обязательное" in str(m) for m in response.context["messages"])
    incident.refresh_from_db()
    assert incident.assignee is None


def test_lead_view_aggregates(client, lead, agent, colleague, team, django_assert_max_num_queries):
    for priority, who in ((1, agent), (1, agent), (3, colleague)):
        incident = make_incident(Status.IN_PROGRESS, agent=who)
        Incident.objects.filter(pk=incident.pk).update(priority=priority)
    late = make_incident(Status.NEW)
    Incident.objects.filter(pk=late.pk).update(escalated=True)
    actions.do_assign(late, actor=lead, team=team, assignee=agent)
    client.force_login(lead)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("console:lead"))
    assert response.status_code == 200
    matrix = {team_name: cells for team_name, cells, _sum in response.context["matrix"]}
    assert matrix[team.name][0] == 2 and matrix[team.name][2] == 2
    assert response.context["total"] == 4
    workload = {w.person.email: (w.open, w.breached) for w in response.context["workload"]}
    assert workload[agent.email] == (3, 1)
    assert workload[colleague.email] == (1, 0)
    assert [r.breached for r in response.context["risk"]] == [1]
    assert [row.incident.number for row in response.context["at_risk"]] == [late.number]
    assert "4 открытых инцидента" in response.content.decode()


def test_lead_view_is_for_managers(agent_client):
    assert agent_client.get(reverse("console:lead")).status_code == 403


CONSOLE_URLS = [
    ("console:queues", []),
    ("console:queue_rows", []),
    ("console:lead", []),
    ("console:incident", ["INC-000001"]),
]
POST_URLS = [
    ("console:save_view", []),
    ("console:delete_view", [1]),
    ("console:bulk", []),
    ("console:comment", ["INC-000001"]),
    ("console:act", ["INC-000001", "accept"]),
]


def test_customers_get_403_on_every_console_url(client, customer):
    make_incident(Status.NEW, reporter=customer)
    client.force_login(customer)
    for name, args in CONSOLE_URLS:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    for name, args in POST_URLS:
        assert client.post(reverse(name, args=args)).status_code == 403, name


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(QUEUES_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_every_form_needs_the_csrf_token(agent, agent_client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent)
    incident = make_incident(Status.NEW)
    response = strict.post(
        reverse("console:act", args=[incident.number, "accept"]),
        {"accept-version": incident.version},
    )
    assert response.status_code == 403
    page = agent_client.get(QUEUES_URL).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= page.count('method="post"')


def test_an_inactive_agent_sees_nothing(client):
    agent = AgentFactory(is_active=True)
    make_incident(Status.NEW)
    client.force_login(agent)
    assert client.get(QUEUES_URL, {"queue": "open"}).context["rows"]


def test_breached_count_is_the_union_of_its_parts(agent, monkeypatch):
    """ "Breached" is counted as a UNION of its parts, each by its own index: an incident in
    two parts counts once, and the cap still holds."""
    now = timezone.now()
    escalated, late_response, late_resolution, both, held = (
        make_incident(Status.IN_PROGRESS, agent=agent) for _ in range(5)
    )
    Incident.objects.filter(pk__in=[escalated.pk, both.pk]).update(escalated=True)
    Incident.objects.filter(pk=late_response.pk).update(response_due_at=now - timedelta(hours=1))
    past = now - timedelta(minutes=5)
    Incident.objects.filter(pk__in=[late_resolution.pk, both.pk]).update(resolution_due_at=past)
    # On hold, a past resolution due time is a paused clock's, not a breach.
    Incident.objects.filter(pk=held.pk).update(status=Status.ON_HOLD, resolution_due_at=past)
    make_incident(Status.CLOSED, agent=agent)
    Incident.objects.filter(status=Status.CLOSED).update(escalated=True)
    assert str(queues.counts(agent)["breached"]) == "4"
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    assert str(queues.counts(agent)["breached"]) == "2+"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_counts_read_indexes_not_the_table(agent):
    """Every queue count is an index range: no count scans the incident table (SQLite cannot
    serve an OR with the unindexed `escalated` by indexes, so "breached" is counted by parts,
    `inc_escalated` and `inc_response_due_status`)."""
    make_incident(Status.IN_PROGRESS, agent=agent)
    now = timezone.now()
    for code in queues.QUEUES:
        if code == "all":
            continue  # every incident: any index of the table, read up to the cap
        sql, params = queues.count_sql(agent, code, now)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT {sql}", params)
            plan = [row[-1] for row in cursor.fetchall()]
        scans = [step for step in plan if step.startswith("SCAN incidents_incident")]
        assert not scans, (code, plan)


def test_kept_counts_are_each_agents_own_and_current(agent, colleague, time_machine):
    """The counts' SQL is compiled once and reused with each agent's id and the time."""
    time_machine.move_to(timezone.now(), tick=False)
    mine = make_incident(Status.IN_PROGRESS, agent=agent)
    make_incident(Status.IN_PROGRESS, agent=colleague)
    make_incident(Status.IN_PROGRESS, agent=colleague)
    Incident.objects.filter(pk=mine.pk).update(
        resolution_due_at=timezone.now() + timedelta(minutes=90)
    )
    assert str(queues.counts(agent)["mine"]) == "1"
    assert str(queues.counts(colleague)["mine"]) == "2"
    assert str(queues.counts(agent)["breaching"]) == "0"
    time_machine.shift(timedelta(minutes=45))
    assert str(queues.counts(agent)["breaching"]) == "1"
    time_machine.shift(timedelta(minutes=60))
    found = queues.counts(agent)
    assert (str(found["breaching"]), str(found["breached"])) == ("0", "1")
    sql, params = queues._counts_sql(agent, timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert [count.value for count in found.values()] == list(cursor.fetchone())


# SQLite's statistics of the incident table on the demo desk of 100,000 incidents (ANALYZE):
# without statistics, SQLite takes every index for equally selective and picks another plan.
DESK_STATISTICS = {
    "inc_open_due": "7355 2 2 1",
    "inc_response_due_status": "142 2 2 1",
    "inc_running_resolution_due": "3389 2 2 1",
    "inc_escalated": "9441 1889 1889 1",
    "inc_overview": "100000 16667 5883 1177 385 233 203 15",
    "inc_resolution_due": "100000 19 1",
    "inc_response_due": "100000 1370 1",
    "inc_priority": "100000 20000 1",
    "inc_resolved": "100000 16667 2",
    "inc_status": "100000 16667 1 1",
    "inc_assignee": "100000 9091 1924 1",
    "inc_team": "100000 25000 5883 1",
    "inc_created": "100000 1 1",
    "inc_updated": "100000 1 1",
}


@contextmanager
def _desk_statistics():
    """The planner's view of a large desk, on the test database, for one test."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'incidents_incident'")
        for index, stat in DESK_STATISTICS.items():
            cursor.execute(
                "INSERT INTO sqlite_stat1 VALUES ('incidents_incident', %s, %s)", [index, stat]
            )
        cursor.execute("ANALYZE sqlite_schema")  # reload
        try:
            yield
        finally:
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_breached_is_counted_from_indexes_alone(agent):
    """Each part of the "breached" count reads a covering index and no table row: the running
    clocks' part uses the partial index `inc_running_resolution_due` because its statuses are
    written as literals (bound, SQLite ignored the index and read every running incident's
    row from `inc_resolution_due`: 4-8 ms at a million)."""
    make_incident(Status.IN_PROGRESS, agent=agent)
    sql, params = queues.count_sql(agent, "breached", timezone.now())
    assert "IN ('new', 'in_progress')" in sql
    with _desk_statistics(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN SELECT {sql}", params)
        plan = [row[-1] for row in cursor.fetchall()]
    reads = [step for step in plan if "incidents_incident" in step]
    assert len(reads) == 6, reads  # each part counted alone, then in the union
    assert all("USING COVERING INDEX" in step for step in reads), reads
    assert any("inc_running_resolution_due" in step for step in reads), reads


def test_each_breached_part_has_an_index_of_what_it_reads():
    """Each part of the "breached" count has an index holding every column the part checks and
    the id the UNION compares, so the database can answer it from the index alone. PostgreSQL's
    indexes hold no id unless it is named: without it each part read 1,000 table rows, and the
    running clocks' part, misjudged at a million incidents, became a bitmap AND of
    `inc_open_due` and `inc_resolved` (36-62 ms). (An empty test table does not show the
    planner's choice at a million rows; this is the shape that lets it choose well.)"""
    now = timezone.now()
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Incident._meta.db_table)
    for part, index in zip(
        queues.overdue_parts(now),
        ["inc_escalated", "inc_response_due_status", "inc_running_resolution_due"],
        strict=True,
    ):
        where = str(Incident.objects.filter(part).query).split("WHERE", 1)[1]
        columns = ("status", "escalated", "response_due_at", "resolution_due_at")
        checked = {column for column in columns if f'"{column}"' in where}
        assert checked, part
        assert checked | {"id"} <= set(indexes[index]["columns"]), (index, checked)


def test_literal_statuses_refuse_anything_but_a_word():
    from django.db.models import F

    refused = Incident.objects.filter(queues.InLiterals(F("status"), ["new' OR 1=1 --"]))
    with pytest.raises(ValueError, match="not a constant word"):
        list(refused)


def test_a_later_page_is_a_range_of_the_ordering_index(agent, monkeypatch):
    """The cursor's "after this row" carries a range on the first ordering key: without it,
    SQLite answered the OR of the keyset branches by collecting every later row of the queue
    and sorting them (1 s for page 20 of "all open" at a million incidents). An empty test
    database does not show that plan, so the query's shape is checked."""
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    for _ in range(2):
        make_incident(Status.IN_PROGRESS, agent=agent)
    queryset = queues.queue_incidents(agent, "open").filter(resolution_due_at__isnull=False)
    first = paginate(queryset, ordering="resolution_due_at,priority", cursor=None, limit=1)
    with CaptureQueriesContext(connection) as captured:
        paginate(queryset, ordering="resolution_due_at,priority", cursor=first.next_cursor, limit=1)
    ids = captured.captured_queries[0]["sql"]
    assert '"incidents_incident"."resolution_due_at" >= ' in ids, ids


def test_breaching_is_counted_by_due_time_ranges_without_the_shortcut(agent):
    """ "Breaching soon" is counted as the UNION of its two due-time ranges, each one index's
    range (as one OR, PostgreSQL's generic plan walked every open incident); its parts stay
    small, so they are not counted once more before the UNION as "breached"'s are. An
    incident due within the hour on both clocks counts once."""
    now = timezone.now()
    soon = now + timedelta(minutes=20)
    both_due = make_incident(Status.IN_PROGRESS, agent=agent)
    Incident.objects.filter(pk=both_due.pk).update(response_due_at=soon, resolution_due_at=soon)
    make_incident(Status.NEW, agent=agent)
    sql, _params = queues.count_sql(agent, "breaching", now)
    assert " UNION " in sql and "CASE" not in sql, sql
    assert "CASE" in queues.count_sql(agent, "breached", now)[0]
    assert str(queues.counts(agent)["breaching"]) == "1"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's executed plan")
def test_breached_at_the_cap_reads_no_other_part(agent, monkeypatch):
    """A part of "breached" at the cap answers the count: the other parts and their UNION
    are never read (on a large desk every part is at the cap, and hashing three thousand ids
    took most of the count's time)."""
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    for _ in range(3):
        make_incident(Status.IN_PROGRESS, agent=agent)
    Incident.objects.update(escalated=True)
    sql, params = queues.count_sql(agent, "breached", timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT {sql}", params)
        assert cursor.fetchone() == (3,)
    union = plan[plan.index("HashAggregate") :]
    assert "never executed" in union, plan
    assert "actual rows=" not in union, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statement")
def test_counts_are_planned_once_per_connection(agent, colleague):
    """On PostgreSQL the counts are a statement prepared on the connection in the first
    call's round trip and run with a generic plan: no call after the first plans it again."""
    make_incident(Status.IN_PROGRESS, agent=agent)
    plans = "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s"
    name = f"incidesk_counts_{queues.COUNT_CAP}"
    with connection.cursor() as cursor:  # the connection may have run the counts before
        cursor.execute(plans, [name])
        generic_before, _custom = cursor.fetchone() or (0, 0)
    with CaptureQueriesContext(connection) as captured:
        first = queues.counts(agent)
        queues.counts(colleague)
        again = queues.counts(agent)
    assert len(captured) == 3
    assert str(first["mine"]) == str(again["mine"]) == "1"
    assert str(queues.counts(colleague)["mine"]) == "0"
    with connection.cursor() as cursor:
        cursor.execute(plans, [name])
        generic, custom = cursor.fetchone()
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)  # only the counts run with a generic plan
    assert (generic - generic_before, custom) == (4, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statement")
def test_counts_recover_after_a_failed_call(agent):
    """After a call that failed, whether the statement was prepared is unknown: the next call
    asks the server and prepares it again if it is missing."""
    make_incident(Status.IN_PROGRESS, agent=agent)
    name = f"incidesk_counts_{queues.COUNT_CAP}"
    queues.counts(agent)
    prepared = queues._PREPARED[connection.connection]
    for statement_exists in (True, False):
        if not statement_exists:
            with connection.cursor() as cursor:
                cursor.execute(f"DEALLOCATE {name}")
        prepared[name] = False
        assert str(queues.counts(agent)["mine"]) == "1"
        assert prepared[name] is True


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_all_open_by_due_time_walks_its_partial_index(agent):
    """With the open statuses as literals, SQLite walks `inc_open_due` in the page's order and
    sorts nothing (bound, it read every open incident from `inc_overview` and sorted them), on
    the first page and after a cursor."""
    for _ in range(2):
        make_incident(Status.IN_PROGRESS, agent=agent)
    queryset = queues.all_open_by_due_time(agent).filter(resolution_due_at__isnull=False)
    first = paginate(queryset, ordering="resolution_due_at,priority", cursor=None, limit=1)
    for cursor in (None, first.next_cursor):
        with CaptureQueriesContext(connection) as captured:
            paginate(queryset, ordering="resolution_due_at,priority", cursor=cursor, limit=1)
        assert len(captured) == 2  # the ids, then their rows
    keys = ["resolution_due_at", "priority", "id"]
    for page in (queryset, queryset.filter(resolution_due_at__gte=timezone.now())):
        sql, params = page.order_by(*keys).values_list("pk", flat=True)[:51].query.sql_with_params()
        assert "IN ('in_progress', 'new', 'on_hold')" in sql, sql
        with _desk_statistics(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = [row[-1] for row in cursor.fetchall()]
        assert any("USING INDEX inc_open_due" in step for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.mark.parametrize(
    ("params", "walks"),
    [
        ({"queue": "open"}, True),
        ({"queue": "open", "cursor": "x"}, True),  # an invalid cursor: the first page
        ({"queue": "open", "ordering": "due"}, True),
        ({"queue": "open", "ordering": "priority"}, False),
        ({"queue": "open", "priority": "1"}, False),
        ({"queue": "open", "q": "принтер"}, False),
        ({"queue": "mine"}, False),
        ({"queue": "unassigned"}, False),
    ],
)
def test_only_all_open_by_due_time_without_filters_walks_the_index(
    agent_client, agent, monkeypatch, params, walks
):
    """Where the page's list is narrower than every open incident, a walk in due-time order
    could read the whole index for a few rows: those pages keep the bound statuses."""
    make_incident(Status.IN_PROGRESS, agent=agent)
    called = []
    walk = queues.all_open_by_due_time
    monkeypatch.setattr(queues, "all_open_by_due_time", lambda user: called.append(1) or walk(user))
    for url in (QUEUES_URL, reverse("console:queue_rows")):
        called.clear()
        response = agent_client.get(url, params)
        assert response.status_code == 200
        assert bool(called) is walks, url
        if walks:
            assert _numbers(response)


def test_all_open_first_ids_are_the_first_pages(agent, colleague, customer):
    """The kept statement gives the ids the page's own query gives, for any staff member, and
    runs once compiled; a customer gets none from it."""
    made = [make_incident(Status.IN_PROGRESS, agent=agent) for _ in range(3)]
    made.append(make_incident(Status.ON_HOLD, agent=colleague))
    make_incident(Status.CLOSED, agent=agent)
    Incident.objects.filter(pk=made[2].pk).update(resolution_due_at=timezone.now())
    Incident.objects.filter(pk=made[3].pk).update(priority=1)
    queryset = queues.all_open_by_due_time(agent).filter(resolution_due_at__isnull=False)
    for limit in (2, 4):
        expected = paginate(
            queryset, ordering="resolution_due_at,priority", cursor=None, limit=limit
        )
        for user in (agent, colleague):
            with CaptureQueriesContext(connection) as captured:
                found = paginate(
                    queryset,
                    ordering="resolution_due_at,priority",
                    cursor=None,
                    limit=limit,
                    first=lambda count, user=user: queues.all_open_first_ids(user, count),
                )
            assert found == expected
            assert len(captured) == 2
    assert queues.all_open_first_ids(customer, 3) is None
