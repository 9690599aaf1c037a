"""What every page and API read costs in database queries, held to a committed baseline.

Every GET route the permission matrix walks is requested as the principals who use it (desk
pages as the agent, or the lead where only managers get in; portal pages as the customer; the
tracking pages as the guest; the API as the agent and as the customer), in the matrix's world,
and its queries are counted. The counts live in `query_counts.json`, keyed by route and
principal: one number, or one per database vendor where they differ. A count that grows fails;
one that shrinks passes with a warning; a route without a count fails, so a new page is
measured before it ships. `pytest --update-query-counts` writes what it measured (and drops
counts whose route is gone): review the diff, it is the cost of the change.

Each route is requested twice and the second request counted: the first pays one-off costs
that depend on what ran before in the process (an API token's first use, a calendar's
schedule loaded into the process cache), which would make counts differ between runs.

Lists must also cost the same at any length (`test_a_list_costs_the_same_at_any_length`).
"""

from __future__ import annotations

import fcntl
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incidesk.accounts.models import ApiToken, Role
from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
    TeamFactory,
)
from incidesk.catalog.models import Category
from incidesk.core.tests import matrix_world as mw
from incidesk.core.tests.matrix import BODIES, MATRIX, row
from incidesk.core.tests.test_permission_matrix import (  # noqa: F401 (fixtures)
    _test_settings,
    desk,
    world,
)
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident
from incidesk.knowledge import actions as knowledge_actions
from incidesk.notifications.models import Notification
from incidesk.problems import actions as problem_actions

BASELINE = Path(__file__).with_name("query_counts.json")
VENDORS = ("postgresql", "sqlite")
UPDATE_HINT = "pytest incidesk/core/tests/test_query_counts.py --update-query-counts"

# Who is counted on a route, by its name's prefix: the first of each group the matrix lets in.
# The API counts every principal listed that it serves (each sees a different slice).
_DESK = (("agent", "lead"),)
PRINCIPALS_BY_PREFIX: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("portal:track", (("guest",),)),
    ("portal:", (("customer",),)),
    ("console:", _DESK),
    ("problems:", _DESK),
    ("analytics:", _DESK),
    ("recurring:", _DESK),
    ("macros:", _DESK),
    ("automation:", _DESK),
    ("knowledge:", _DESK),
    (mw.API_PREFIX, (("agent",), ("customer",))),
    ("", (("anonymous", "customer"),)),
)


def counted(route: mw.Route) -> list[str]:
    """The principals whose queries are counted on a route: of each group, the first the matrix
    serves. A route that serves none of them (a POST-only page's GET) is not counted."""
    line = MATRIX.get(route.key) or MATRIX.get(route.base_key)
    if line is None:  # undeclared: test_permission_matrix says so
        return []
    served = row(line)
    groups = next(
        groups for prefix, groups in PRINCIPALS_BY_PREFIX if route.name.startswith(prefix)
    )
    firsts = (next((who for who in group if served[who] == "ok"), None) for group in groups)
    return [who for who in firsts if who is not None]


CASES = [
    (route, who) for route in mw.all_routes() if route.method == "GET" for who in counted(route)
]


def key_of(route: mw.Route, who: str) -> str:
    return f"{route.key} as {who}"


# --- the baseline file -------------------------------------------------------------------------


@contextmanager
def locked_baseline() -> Iterator[dict]:
    """The baseline for a read-modify-write, locked: xdist workers update it side by side."""
    BASELINE.touch()
    with BASELINE.open("r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        text = handle.read()
        counts = json.loads(text) if text.strip() else {}
        yield counts
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(dict(sorted(counts.items())), indent=2, ensure_ascii=False) + "\n")


def load_baseline() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}


def expected_for(entry: int | dict[str, int] | None, vendor: str) -> int | None:
    """An entry is one count for every vendor, or a count per vendor."""
    if isinstance(entry, dict):
        return entry.get(vendor)
    return entry


def recorded(entry: int | dict[str, int] | None, vendor: str, count: int) -> int | dict[str, int]:
    """The entry after measuring `count` on `vendor`: one number while every vendor agrees.
    A single number was true of every vendor, so the others keep it when this one moves."""
    if entry is None:
        return count
    per_vendor = dict(entry) if isinstance(entry, dict) else dict.fromkeys(VENDORS, entry)
    per_vendor[vendor] = count
    values = set(per_vendor.values())
    if len(values) == 1 and set(per_vendor) >= set(VENDORS):
        return count
    return dict(sorted(per_vendor.items()))


def judge(key: str, entry: int | dict | None, vendor: str, count: int) -> None:
    """Fail a count that grew or has no baseline; warn about one that shrank."""
    expected = expected_for(entry, vendor)
    if expected is None:
        pytest.fail(
            f"{key}: no query count on {vendor} in {BASELINE.name} (measured {count}). "
            f"Record it with `{UPDATE_HINT}`."
        )
    if count > expected:
        pytest.fail(
            f"{key}: {count} queries on {vendor}, the baseline is {expected}. Look for a query "
            f"in a loop (select_related / prefetch_related in the app's queries.py); if the new "
            f"queries are the point of the change, record them with `{UPDATE_HINT}`."
        )
    if count < expected:
        warnings.warn(
            f"{key}: {count} queries on {vendor}, down from {expected}: lower the baseline with "
            f"`{UPDATE_HINT}`.",
            stacklevel=2,
        )


def record(key: str, vendor: str, count: int) -> None:
    """Write a measured count into the baseline (under its lock: workers write side by side)."""
    with locked_baseline() as counts:
        if expected_for(counts.get(key), vendor) != count:
            counts[key] = recorded(counts.get(key), vendor, count)


@pytest.fixture
def update(request) -> bool:
    return bool(request.config.getoption("--update-query-counts"))


# --- every route -------------------------------------------------------------------------------


def queries(site: mw.World, route: mw.Route, who: str) -> tuple[int, int]:
    """The route's second request: its status and how many queries it ran."""
    principal = site.principals[who]
    path = mw.path_of(site, principal, route)
    query = mw.substitute(BODIES.get(route.key, BODIES.get(route.base_key)), site, principal, route)
    client = mw.client_for(principal)
    mw.content(mw.call(client, principal, route, path, query))
    with CaptureQueriesContext(connection) as captured:
        response = mw.call(client, principal, route, path, query)
        mw.content(response)
    return response.status_code, len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "who"), CASES, ids=lambda value: getattr(value, "key", value))
def test_query_count(desk, route, who, update):  # noqa: F811 (the fixture)
    status, count = queries(desk, route, who)
    assert status < 400, f"{route.key} as {who}: HTTP {status}, the matrix says it is served"
    key = key_of(route, who)
    if update:
        record(key, connection.vendor, count)
    else:
        judge(key, load_baseline().get(key), connection.vendor, count)


def test_every_baseline_names_a_route_that_is_counted(update):
    keys = {key_of(route, who) for route, who in CASES} | set(INTAKES)
    if update:
        with locked_baseline() as counts:
            for stale in set(counts) - keys:
                del counts[stale]
        return
    gone = sorted(set(load_baseline()) - keys)
    assert not gone, f"{BASELINE.name} counts routes that are not counted: {gone} ({UPDATE_HINT})"


def test_the_baseline_is_judged_per_vendor():
    assert recorded(None, "sqlite", 5) == 5
    assert recorded(5, "sqlite", 5) == 5
    assert recorded(5, "sqlite", 6) == {"postgresql": 5, "sqlite": 6}
    assert recorded({"postgresql": 5, "sqlite": 6}, "sqlite", 5) == 5
    assert expected_for({"postgresql": 5}, "sqlite") is None
    judge("GET x as agent", {"sqlite": 6, "postgresql": 5}, "sqlite", 6)
    with pytest.warns(UserWarning, match="down from 6"):
        judge("GET x as agent", 6, "sqlite", 4)
    with pytest.raises(pytest.fail.Exception, match="7 queries on sqlite, the baseline is 6"):
        judge("GET x as agent", 6, "sqlite", 7)
    with pytest.raises(pytest.fail.Exception, match="no query count on postgresql"):
        judge("GET x as agent", {"sqlite": 6}, "postgresql", 6)


def test_the_update_flag_writes_what_it_measured(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.BASELINE", tmp_path / "query_counts.json")
    record("GET b as agent", "sqlite", 7)
    record("GET a as agent", "sqlite", 3)
    record("GET a as agent", "postgresql", 2)
    assert load_baseline() == {
        "GET a as agent": {"postgresql": 2, "sqlite": 3},
        "GET b as agent": 7,
    }
    assert list(load_baseline()) == ["GET a as agent", "GET b as agent"]  # sorted: small diffs


def test_every_page_a_principal_uses_is_counted():
    keys = {key_of(route, who) for route, who in CASES}
    for key in (
        "GET console:queues as agent",
        "GET console:lead as lead",
        "GET portal:list as customer",
        "GET portal:track as guest",
        "GET problems:list as agent",
        "GET /api/v1/incidents as agent",
        "GET /api/v1/incidents as customer",
        "GET /api/v1/problems as agent",
        "GET web:home as anonymous",
        "GET web:preferences as customer",
    ):
        assert key in keys, key
    assert "GET /api/v1/problems as customer" not in keys  # refused: not the cost of a page


# --- lists cost the same at any length ---------------------------------------------------------


class Shop:
    """A team with an agent and a customer of a sharing organisation; `grow` adds incidents
    and problems that differ in everything a row shows (reporter, assignee, category)."""

    def __init__(self) -> None:
        self.organisation = OrganisationFactory(shared_visibility=True)
        self.team = TeamFactory()
        self.agent = AgentFactory()
        self.team.members.add(self.agent)
        self.lead = AgentFactory(role=Role.LEAD)
        self.customer = CustomerFactory(organisation=self.organisation)
        self.categories = list(Category.objects.all()[:5])
        self.grown = 0

    def grow(self, count: int) -> None:
        for _ in range(count):
            i = self.grown = self.grown + 1
            assignee = AgentFactory()
            self.team.members.add(assignee)
            reporter = self.customer if i % 2 else CustomerFactory(organisation=self.organisation)
            incident = make_incident(
                Status.IN_PROGRESS,
                reporter=reporter,
                agent=assignee,
                title=f"Сбой {i}",
                category=self.categories[i % len(self.categories)],
            )
            incident = actions.do_assign(
                incident, actor=self.lead, team=self.team, assignee=assignee
            )
            actions.do_add_comment(incident, actor=assignee, body=f"Смотрим {i}")
            problem = problem_actions.do_create_problem(
                actor=self.agent, title=f"Проблема {i}", owner=assignee
            )
            problem_actions.do_link_incidents(problem, actor=self.agent, incidents=[incident])
            # What the delivery task writes: the bell's rows, one per incident here.
            Notification.objects.create(recipient=self.agent, event=incident.events.last())
            article = knowledge_actions.do_create_article(
                actor=assignee, title_ru=f"Статья {i}", audience="public", tags=f"t{i}"
            )
            knowledge_actions.do_transition(article, "submit", actor=assignee)
            article = knowledge_actions.do_transition(article, "publish", actor=self.lead)
            knowledge_actions.record_view(article, reporter, suggested=True)
            knowledge_actions.do_give_feedback(article, reporter, helped=False)


# name: (who, path, query string, what the tenth row shows)
LISTS = {
    "console queue": ("agent", "/console/", {"queue": "team"}, "Сбой 10"),
    "console queue rows": ("agent", "/console/rows/", {"queue": "all"}, "Сбой 10"),
    "portal my incidents": ("customer", "/incidents/", {}, "Сбой 10"),
    "problems list": ("agent", "/problems/", {}, "Проблема 10"),
    "API problems": ("agent", "/api/v1/problems", {"limit": 200}, "Проблема 10"),
    "notifications": ("agent", "/notifications/", {}, "Сбой 10"),
    "API notifications": ("agent", "/api/v1/notifications", {"limit": 200}, "Сбой 10"),
    "knowledge base, the desk's list": ("lead", "/knowledge/", {}, "Статья 10"),
    "knowledge base, the readers' list": ("customer", "/kb/", {}, "Статья 10"),
    "knowledge base report": ("lead", "/knowledge/report/", {}, "Статья 10"),
    "API articles": ("agent", "/api/v1/kb/articles", {"limit": 200}, "Статья 10"),
}


def _list_queries(shop: Shop, who: str, path: str, params: dict) -> tuple[int, str]:
    """The list's second request: how many queries it ran, and what it showed."""
    user = getattr(shop, who)
    if path.startswith(mw.API_PREFIX):
        client = Api(user).client
    else:
        client = Client()
        client.force_login(user)
    client.get(path, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
    return len(captured), response.content.decode()


@pytest.mark.django_db
def test_a_list_costs_the_same_at_any_length():
    """One row, then ten: every list listed costs what it did (a query per row is a missing
    select_related or prefetch_related). One growth serves every list, to keep this quick."""
    shop = Shop()
    shop.grow(1)
    one = {
        name: _list_queries(shop, who, path, params)[0]
        for name, (who, path, params, _) in LISTS.items()
    }
    shop.grow(9)
    grew = []
    for name, (who, path, params, tenth) in LISTS.items():
        ten, shown = _list_queries(shop, who, path, params)
        assert tenth in shown, f"{name} ({path}) does not show the rows it is measured with"
        if ten != one[name]:
            grew.append(f"{name} ({path}): {one[name]} queries with one row, {ten} with ten")
    assert not grew, "; ".join(grew)


# --- registering an incident ------------------------------------------------------------------

# Issue 13: one registration costs at most this many queries, the whole request counted (session
# or token, rate limit, the action, the answer), on either database: issue 13's target. Whether
# the routing rules changed is read with the request's other generation tokens, in one query
# (a rule that matches adds at most two more, held by `automation/tests/test_routing.py`).
INTAKE_CEILING = 15
INTAKE_TEXT = {"title": "Не печатает принтер", "description": "Замятие бумаги в лотке 2."}
INTAKE_FORM = {
    **INTAKE_TEXT,
    "kind": "incident",
    "impact": "medium",
    "urgency": "medium",
    "category": "",
    "service": "",
    "contact_phone": "",
}


def _intake(path: str) -> tuple[int, int, Incident]:
    """The second registration through `path` by a customer: its status, its queries, and the
    incident it made."""
    customer = CustomerFactory()
    if path.startswith(mw.API_PREFIX):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(customer)}")
        send = partial(client.post, path, INTAKE_TEXT, content_type="application/json")
    else:
        client = Client()
        client.force_login(customer)
        send = partial(client.post, path, INTAKE_FORM)
    send()
    with CaptureQueriesContext(connection) as captured:
        response = send()
    return response.status_code, len(captured), Incident.objects.latest("pk")


INTAKES = {
    "POST /api/v1/incidents as customer": ("/api/v1/incidents", 201),
    "POST portal:new as customer": ("/incidents/new/", 302),
}


@pytest.mark.django_db
@pytest.mark.parametrize("key", INTAKES)
def test_registering_an_incident_costs_few_queries(key, update):
    """Registration is the desk's busiest write: its count is held to the baseline like a page's,
    and under the issue's ceiling whatever the baseline says."""
    path, expected_status = INTAKES[key]
    status, count, incident = _intake(path)
    assert status == expected_status
    assert incident.number.startswith("INC-")
    assert incident.sla_clocks.count() == 2  # the work measured is the whole registration
    assert count <= INTAKE_CEILING, f"{key}: {count} queries on {connection.vendor}"
    if update:
        record(key, connection.vendor, count)
    else:
        judge(key, load_baseline().get(key), connection.vendor, count)
