"""The permission matrix's moving parts: every route the site answers (walked from the URL
configuration and the NinjaAPI, never listed by hand), the nine principals, one small world of
objects built through the real actions, and how a path's parameters are filled from it.

The declared expectations live in `matrix.py`; `test_permission_matrix.py` crosses the two.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from incidesk.accounts.models import ApiToken, Role, User
from incidesk.accounts.tests.factories import (
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from incidesk.api import api
from incidesk.automation.models import RoutingRule, SimulationRun, Trigger, TriggerEvent
from incidesk.console.forms import EDIT_FORMS, OTHER_FORMS, VERB_FORMS
from incidesk.console.models import SavedView
from incidesk.incidents import actions
from incidesk.incidents.models import (
    Attachment,
    Comment,
    Incident,
    IncidentLink,
    TimelineEvent,
    Watcher,
    WatcherSource,
)
from incidesk.incidents.status import VERBS, Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.knowledge import actions as knowledge_actions
from incidesk.knowledge.models import (
    Article,
    ArticleImage,
    ArticleLink,
    ArticleVersion,
    Audience,
    Feedback,
    OwnerTask,
)
from incidesk.knowledge.status import VERBS as ARTICLE_VERBS
from incidesk.macros.models import Macro, MacroVerb, Scope
from incidesk.portal.models import TrackingLink
from incidesk.portal.views import CUSTOMER_VERBS
from incidesk.problems import actions as problem_actions
from incidesk.problems.models import PreventiveAction, Problem, ProblemEvent
from incidesk.problems.status import VERBS as PROBLEM_VERBS

PRINCIPALS = (
    "anonymous",  # not signed in, holds nothing
    "guest",  # not signed in, holds the private tracking link of the customer's incident
    "customer",  # the reporter of the incident
    "colleague",  # a customer of the reporter's organisation, which shares its incidents
    "outsider",  # a customer whose organisation does not share: looks at a colleague's incident
    "other_agent",  # an agent of another team
    "agent",  # the agent of the incident's team, its assignee, owner of the problem and view
    "lead",  # the lead of that team
    "admin",
)

# The Django admin is one rule (test_the_admin_is_for_admins_only), not a row per model page.
ADMIN_NAMESPACE = "admin"
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Route:
    """One thing to call: an HTTP method on a named page (`portal:incident`) or an API operation
    (`/api/v1/incidents/{number}`), with the path parameters it needs."""

    method: str
    name: str
    params: tuple[str, ...]
    api_path: str = ""
    verb: str = ""

    @property
    def key(self) -> str:
        return f"{self.method} {self.name}" + (f"[{self.verb}]" if self.verb else "")

    @property
    def base_key(self) -> str:
        return f"{self.method} {self.name}"

    @property
    def is_api(self) -> bool:
        return bool(self.api_path)

    @property
    def is_problem(self) -> bool:
        return self.name.startswith(("problems:", f"{API_PREFIX}/problems"))


# --- walking the site --------------------------------------------------------------------------

# Routes whose path names a verb: every verb of the table that view reads is a case of its own.
VERB_CHOICES: dict[str, tuple[str, ...]] = {
    "portal:act": CUSTOMER_VERBS,
    "portal:track_act": CUSTOMER_VERBS,
    "console:act": (*VERB_FORMS, *EDIT_FORMS, *OTHER_FORMS),
    "problems:verb": tuple(PROBLEM_VERBS),
    "knowledge:verb": tuple(ARTICLE_VERBS),
    f"{API_PREFIX}/incidents/{{number}}/actions/{{verb}}": ("no-such-verb",),
}
PAGE_METHODS = ("GET", "POST")
_API_PARAM = re.compile(r"\{(?:\w+:)?(\w+)\}")


def _expand(method: str, name: str, params: tuple[str, ...], api_path: str = "") -> list[Route]:
    if "verb" not in params:
        return [Route(method, name, params, api_path)]
    return [Route(method, name, params, api_path, verb) for verb in VERB_CHOICES.get(name, ("",))]


def _walk(patterns: list, namespace: str, params: tuple[str, ...]) -> Iterator[tuple[str, tuple]]:
    for entry in patterns:
        converters = tuple(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            if entry.namespace in (ADMIN_NAMESPACE, api.urls_namespace):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, params + converters)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"{namespace}<{entry.pattern}>"
            yield name, params + converters


def page_routes() -> list[Route]:
    """Every named page of the URL configuration, admin and the API left out (their own rules)."""
    routes = []
    for name, params in _walk(get_resolver().url_patterns, "", ()):
        for method in PAGE_METHODS:
            routes.extend(_expand(method, name, params))
    return routes


def api_routes() -> list[Route]:
    """Every path and method of the NinjaAPI, the hidden catch-alls included."""
    routes = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = f"{API_PREFIX}{prefix}{path}"
            params = tuple(_API_PARAM.findall(path))
            for operation in path_view.operations:
                for method in operation.methods:
                    routes.extend(_expand(method, full, params, full))
    return routes


def all_routes() -> list[Route]:
    return page_routes() + api_routes()


# --- the world ---------------------------------------------------------------------------------

# The status a case's incident is in: the first source status of the verb it names (so an
# allowed verb really runs), otherwise in progress (the incident with comments and files).
_STATUS_ORDER = (Status.IN_PROGRESS, Status.NEW, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED)


def _verb(route: Route) -> str:
    return route.verb or route.name.rsplit("/", 1)[-1]


def status_for(route: Route) -> Status:
    verb = _verb(route)
    if route.is_problem or verb not in VERBS:
        return Status.IN_PROGRESS
    # A verb from none of these (undoing a merge) is tried on the incident in progress.
    return next((s for s in _STATUS_ORDER if s in VERBS[verb].sources), Status.IN_PROGRESS)


INTERNAL_NOTE = "Секрет: пароль от принтера admin"
INTERNAL_FILE = "пароли.txt"
# Knowledge base articles: one for everyone, one for organisation X's customers, one for the
# desk, one draft; all share the word "статья" so searches and suggestions meet each of them.
INTERNAL_ARTICLE = "Служебная статья: пароль от роутера"
DRAFT_ARTICLE = "Черновая статья: не публиковать"
ORG_ARTICLE = "Статья для своих: вход в 1С"


@dataclass
class Family:
    """A reporter's incidents, one per status; the in-progress one carries a public reply, an
    internal note and a file on each."""

    incidents: dict[Status, Incident]
    tokens: dict[Status, str]
    public_file: Attachment
    internal_file: Attachment


@dataclass
class Principal:
    name: str
    user: User | None
    family: Family
    session: str = ""
    token: str = ""


@dataclass
class World:
    principals: dict[str, Principal]
    problem: Problem
    resolved_problem: Problem
    preventive_action: PreventiveAction
    resolved_action: PreventiveAction
    saved_view: SavedView
    other_incident: Incident
    agent: User
    macro: Macro
    articles: dict[str, Article]
    images: dict[str, ArticleImage]
    article_task: OwnerTask
    media: Path | None = None


def _family(reporter: User, agent: User, *, track: bool) -> Family:
    incidents = {
        status: make_incident(status, reporter=reporter, agent=agent, title=f"Принтер {status}")
        for status in _STATUS_ORDER
    }
    worked = incidents[Status.IN_PROGRESS]
    public = actions.do_add_comment(worked, actor=agent, body="Проверяем")
    internal = actions.do_add_comment(
        worked, actor=agent, body=INTERNAL_NOTE, visibility="internal"
    )
    files = [
        actions.do_add_attachment(
            worked,
            actor=agent,
            upload=SimpleUploadedFile(name, b"data", content_type="text/plain"),
            comment=comment,
        )
        for comment, name in ((public, "схема.txt"), (internal, INTERNAL_FILE))
    ]
    tokens = (
        {status: TrackingLink.issue(incident) for status, incident in incidents.items()}
        if track
        else {}
    )
    for incident in incidents.values():
        incident.refresh_from_db()
    return Family(incidents, tokens, *files)


def build_world() -> World:
    """One small desk: organisation X shares its incidents, Y does not; two teams; a customer's
    incidents in every status (and their tracking links), a colleague's in Y; a problem owned
    by the agent with a preventive action; the agent's saved view."""
    shared = OrganisationFactory(name="Матрица: общая", shared_visibility=True)
    closed = OrganisationFactory(name="Матрица: закрытая", shared_visibility=False)
    team = TeamFactory(code="matrix-first", name="Матрица: первая линия")
    other_team = TeamFactory(code="matrix-second", name="Матрица: вторая линия")

    def user(name: str, role: Role, **fields: Any) -> User:
        return UserFactory(email=f"{name}@matrix.example", role=role, **fields)

    agent = user("agent", Role.AGENT)
    other_agent = user("other_agent", Role.AGENT)
    lead = user("lead", Role.LEAD)
    team.members.add(agent)
    other_team.members.add(other_agent)
    team.lead = lead
    team.save()
    users = {
        "customer": user("customer", Role.CUSTOMER, organisation=shared),
        "colleague": user("colleague", Role.CUSTOMER, organisation=shared),
        "outsider": user("outsider", Role.CUSTOMER, organisation=closed),
        "other_agent": other_agent,
        "agent": agent,
        "lead": lead,
        "admin": user("admin", Role.ADMIN),
    }
    mine = _family(users["customer"], agent, track=True)
    theirs = _family(user("reporter_y", Role.CUSTOMER, organisation=closed), agent, track=False)
    for incident in (*mine.incidents.values(), *theirs.incidents.values()):
        if incident.status in (Status.IN_PROGRESS, Status.ON_HOLD):
            actions.do_assign(incident, actor=lead, team=team, assignee=agent)
    for family in (mine, theirs):
        for status, incident in family.incidents.items():
            family.incidents[status] = Incident.objects.get(pk=incident.pk)

    problem = problem_actions.do_create_problem(
        actor=agent,
        title="Принтеры не печатают",
        root_cause="Старый драйвер",
        workaround="Перезагрузить спулер",
    )
    problem = problem_actions.do_mark_known_error(problem, actor=agent)
    other = make_incident(Status.IN_PROGRESS, agent=agent, title="Массовый сбой печати")
    other = actions.do_update_incident(other, actor=lead, is_major=True)
    problem_actions.do_link_incidents(problem, actor=agent, incidents=[other])
    action = problem_actions.do_add_preventive_action(
        problem, actor=agent, title="Обновить драйвер", owner=agent
    )
    resolved = problem_actions.do_create_problem(
        actor=agent, title="Сбой почты", root_cause="Переполнен диск"
    )
    resolved = problem_actions.do_resolve_problem(resolved, actor=agent, notes="Починили")
    resolved_action = problem_actions.do_add_preventive_action(
        resolved, actor=agent, title="Мониторинг диска", owner=agent
    )

    articles, images, article_task = _shelf(agent, lead, shared, users["customer"])

    principals = {
        "anonymous": Principal("anonymous", None, mine),
        "guest": Principal("guest", None, mine),
    }
    for name, person in users.items():
        client = Client()
        client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
        principals[name] = Principal(
            name,
            person,
            theirs if name == "outsider" else mine,
            session=client.cookies[settings.SESSION_COOKIE_NAME].value,
            token=ApiToken.issue(person),
        )
    return World(
        principals=principals,
        problem=Problem.objects.get(pk=problem.pk),
        resolved_problem=resolved,
        preventive_action=action,
        resolved_action=resolved_action,
        saved_view=SavedView.objects.create(user=agent, name="Мои срочные", query="priority=1"),
        other_incident=other,
        agent=agent,
        macro=Macro.objects.create(
            name="Матрица: запрос модели",
            scope=Scope.TEAM,
            for_team=team,
            reply_ru="{{ customer.name }}, какая модель принтера?",
            verb=MacroVerb.REQUEST_INFO,
        ),
        articles=articles,
        images=images,
        article_task=article_task,
    )


def _shelf(
    agent: User, lead: User, shared: Any, customer: User
) -> tuple[dict[str, Article], dict[str, ArticleImage], OwnerTask]:
    """The knowledge base's articles (owned by the agent), a picture on each, and the agent's
    task from a customer's "did not help"."""

    def write(title: str, audience: str, publish: bool = True, **fields: Any) -> Article:
        article = knowledge_actions.do_create_article(
            actor=agent, title_ru=title, body_ru="Текст статьи", audience=audience, **fields
        )
        if publish:
            article = knowledge_actions.do_transition(article, "submit", actor=agent)
            article = knowledge_actions.do_transition(article, "publish", actor=lead)
        return article

    articles = {
        "public": write("Статья для всех: перезапуск принтера", Audience.PUBLIC),
        "org": write(ORG_ARTICLE, Audience.CUSTOMERS, organisations=[shared]),
        "internal": write(INTERNAL_ARTICLE, Audience.INTERNAL),
        "draft": write(DRAFT_ARTICLE, Audience.PUBLIC, publish=False),
    }
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    images = {
        name: knowledge_actions.do_add_image(
            article, actor=agent, upload=SimpleUploadedFile("схема.png", png, "image/png")
        )
        for name, article in articles.items()
    }
    feedback = knowledge_actions.do_give_feedback(articles["public"], customer, helped=False)
    return articles, images, OwnerTask.objects.get(key=str(feedback.pk))


# --- filling a case ----------------------------------------------------------------------------

UNKNOWN_TOKEN = "x" * 43  # the shape of a real link's token; nobody holds it
Filler = Callable[[World, Principal, Route], Any]


def _incident(world: World, who: Principal, route: Route) -> Incident:
    return who.family.incidents[status_for(route)]


def _problem(world: World, route: Route) -> Problem:
    """The known error, or for the verbs that start from resolved, the resolved problem."""
    return world.resolved_problem if _verb(route) in ("close", "reopen") else world.problem


def _number(world: World, who: Principal, route: Route) -> str:
    if route.is_problem:
        return _problem(world, route).number
    return _incident(world, who, route).number


def _other_family(world: World, who: Principal) -> Family:
    mine = world.principals["customer"].family
    return world.principals["outsider"].family if who.family is mine else mine


def _token(world: World, who: Principal, route: Route) -> str:
    """Only the guest holds a link: anyone else's request carries one nobody was given."""
    if who.name != "guest":
        return UNKNOWN_TOKEN
    return who.family.tokens[status_for(route)]


def _routing_rule() -> RoutingRule:
    """The world's one routing rule, made on first use (each case's savepoint may drop it)."""
    rule, _made = RoutingRule.objects.get_or_create(
        name="Matrix rule", defaults={"tags": ["matrix"]}
    )
    return rule


def _watcher(world: World, who: Principal, route: Route) -> int:
    """A customer of the incident's organisation watching it, made on first use (each case's
    savepoint may drop it); no principal, so only managers of the incident see the entry."""
    incident = _incident(world, who, route)
    person, _made = User.objects.get_or_create(
        email="watcher@matrix.example",
        defaults={"role": Role.CUSTOMER, "organisation": incident.organisation},
    )
    watcher, _made = Watcher.objects.get_or_create(
        incident=incident, person=person, defaults={"source": WatcherSource.PORTAL}
    )
    return watcher.pk


def _trigger() -> Trigger:
    """The world's one trigger, made on first use (each case's savepoint may drop it)."""
    trigger, _made = Trigger.objects.get_or_create(
        name="Matrix trigger", defaults={"event": TriggerEvent.REGISTERED, "tags": ["matrix"]}
    )
    return trigger


def _simulation_run() -> SimulationRun:
    """The world's one stored simulation, still queued (made on first use)."""
    run, _made = SimulationRun.objects.get_or_create(days=7, defaults={"draft": {}})
    return run


# A parameter's value by name; `(route name, parameter)` overrides it for one route.
PARAMS: dict[str | tuple[str, str], Filler] = {
    "number": _number,
    "incident": lambda world, who, route: _incident(world, who, route).number,
    "pk": lambda world, who, route: who.family.public_file.pk,
    "attachment_id": lambda world, who, route: who.family.public_file.pk,
    "token": _token,
    "verb": lambda world, who, route: _verb_of(route),
    "action_id": lambda world, who, route: world.preventive_action.pk,
    "watcher_id": _watcher,
    "name": lambda world, who, route: "trend",
    "fmt": lambda world, who, route: "csv",
    "table": lambda world, who, route: "report",
    "rest": lambda world, who, route: "no/such/endpoint",
    "uidb64": lambda world, who, route: "MQ",
    # A single sign-on provider nobody configured: the world has none.
    "slug": lambda world, who, route: "nowhere",
    "macro": lambda world, who, route: world.macro.pk,
    "routing_rule": lambda world, who, route: _routing_rule().pk,
    "trigger": lambda world, who, route: _trigger().pk,
    # the lead's team's agent; a simulation run made on first use
    "agent": lambda world, who, route: world.agent.pk,
    "simulation_run": lambda world, who, route: _simulation_run().pk,
    ("console:delete_view", "pk"): lambda world, who, route: world.saved_view.pk,
    ("recurring:same_problem", "number"): lambda world, who, route: world.problem.number,
    ("problems:unlink", "incident"): lambda world, who, route: world.other_incident.number,
    (f"{API_PREFIX}/problems/{{number}}/incidents/{{incident}}", "incident"): (
        lambda world, who, route: world.other_incident.number
    ),
    ("web:password_reset_confirm", "token"): lambda world, who, route: "set-password",
    "article_id": lambda world, who, route: world.articles["public"].pk,
    "image_id": lambda world, who, route: world.images["public"].pk,
    "task_id": lambda world, who, route: world.article_task.pk,
    ("knowledge:diff", "number"): lambda world, who, route: 1,
    ("knowledge:from_problem", "problem"): lambda world, who, route: world.problem.number,
    (f"{API_PREFIX}/reports/export/{{table}}.{{fmt}}", "fmt"): lambda world, who, route: "xlsx",
}


class MissingFiller(LookupError):
    """A route the matrix cannot call until the developer says how to fill its path."""


def _verb_of(route: Route) -> str:
    if not route.verb:
        raise MissingFiller(
            f"{route.key} names a verb: list the verbs its view accepts in VERB_CHOICES in "
            f"incidesk/core/tests/matrix_world.py."
        )
    return route.verb


# Values a variant may put in place of a parameter: someone else's object of the same kind.
OBJECTS: dict[str, Filler] = {
    "internal_file": lambda world, who, route: who.family.internal_file.pk,
    "foreign_file": lambda world, who, route: _other_family(world, who).public_file.pk,
    "foreign_action": lambda world, who, route: world.resolved_action.pk,
    "unlinked_incident": lambda world, who, route: _incident(world, who, route).number,
    "internal_article": lambda world, who, route: world.articles["internal"].pk,
    "org_article": lambda world, who, route: world.articles["org"].pk,
    "draft_article": lambda world, who, route: world.articles["draft"].pk,
    "internal_image": lambda world, who, route: world.images["internal"].pk,
    "sibling_token": lambda world, who, route: (
        who.family.tokens[Status.RESOLVED] if who.name == "guest" else UNKNOWN_TOKEN
    ),
}


def fill(
    world: World, who: Principal, route: Route, swap: dict[str, str] | None = None
) -> dict[str, Any]:
    values = {}
    for param, name in (swap or {}).items():
        values[param] = OBJECTS[name](world, who, route)
    for param in route.params:
        if param in values:
            continue
        filler = PARAMS.get((route.name, param)) or PARAMS.get(param)
        if filler is None:
            raise MissingFiller(
                f"{route.key}: no value for the path parameter {param!r}. Add one to PARAMS in "
                f"incidesk/core/tests/matrix_world.py (by name, or by (route, name))."
            )
        values[param] = filler(world, who, route)
    return values


def path_of(world: World, who: Principal, route: Route, swap: dict[str, str] | None = None) -> str:
    values = fill(world, who, route, swap)
    if route.is_api:
        return _API_PARAM.sub(lambda m: str(values[m.group(1)]), route.api_path)
    if "<" in route.name:
        raise MissingFiller(f"{route.key}: give the URL pattern a name so it can be declared.")
    return reverse(route.name, kwargs=values)


def substitute(template: Any, world: World, who: Principal, route: Route) -> Any:
    """A declared body with `$name` strings replaced by values from the world."""
    if isinstance(template, dict):
        return {k: substitute(v, world, who, route) for k, v in template.items()}
    if isinstance(template, list):
        return [substitute(v, world, who, route) for v in template]
    if isinstance(template, str) and template.startswith("$"):
        return {
            "$incident": lambda: _incident(world, who, route).number,
            "$other": lambda: world.other_incident.number,
            "$problem": lambda: world.problem.number,
            "$file": lambda: SimpleUploadedFile("matrix.txt", b"matrix", "text/plain"),
            "$agent": lambda: world.agent.email,
            "$colleague": lambda: world.principals["colleague"].user.email,
            "$version": lambda: _incident(world, who, route).version,
            "$macro": lambda: world.macro.pk,
            "$team": lambda: world.macro.for_team_id,
            "$comment": lambda: who.family.public_file.comment_id,
            "$article": lambda: world.articles["public"].pk,
        }[template]()
    return template


# --- calling and judging -----------------------------------------------------------------------


def client_for(who: Principal) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if who.session:
        client.cookies[settings.SESSION_COOKIE_NAME] = who.session
    return client


def call(client: Client, who: Principal, route: Route, path: str, body: Any) -> HttpResponse:
    if route.is_api:
        headers = {"Authorization": f"Bearer {who.token}"} if who.token else {}
        if route.method == "GET":
            return client.get(path, body or {}, headers=headers)
        if body and any(isinstance(value, SimpleUploadedFile) for value in body.values()):
            return client.post(path, body, headers=headers)
        return client.generic(
            route.method,
            path,
            "" if body is None else _json(body),
            content_type="application/json",
            headers=headers,
        )
    if route.method == "GET":
        return client.get(path, body or {})
    return client.post(path, body or {})


def _json(body: Any) -> str:
    return json.dumps(body)


def secrets(world: World, who: Principal, route: Route) -> list[str]:
    """What must not appear in anything served to a principal outside the desk: internal notes
    and files, and the number of any incident they may not see. A guest sees only the one
    incident their link opens."""
    if who.user is not None and who.user.is_desk_staff:
        return []
    everything = [
        *world.principals["customer"].family.incidents.values(),
        *world.principals["outsider"].family.incidents.values(),
        world.other_incident,
    ]
    if who.name == "anonymous":
        seen = set()
    elif who.name == "guest":
        seen = {_incident(world, who, route).pk}
    else:
        seen = {incident.pk for incident in who.family.incidents.values()}
    hidden = [incident.number for incident in everything if incident.pk not in seen]
    articles = [INTERNAL_ARTICLE, DRAFT_ARTICLE]
    if who.name not in ("customer", "colleague"):
        articles.append(ORG_ARTICLE)  # for organisation X's customers only
    return [INTERNAL_NOTE, INTERNAL_FILE, *hidden, *articles]


def content(response: HttpResponse) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def outcome(response: HttpResponse) -> str:
    """What the caller got, in the matrix's words: `ok` (served, or the action ran), `login`
    (sent to sign in), `msg` (sent back with an error message: the action refused), or the
    refusing status code (401, 403, 404, 405, and 409 or 422 when the action or the form
    refused the request after access was granted)."""
    status = response.status_code
    if 300 <= status < 400:
        if response["Location"].split("?")[0].endswith("/login/"):
            return "login"
        queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
        if any(message.level >= message_levels.ERROR for message in queued):
            return "msg"
        return "ok"
    if status < 300:
        return "ok"
    return str(status)


REFUSALS = frozenset({"login", "msg", "401", "403", "404", "405", "409", "422"})


# Row counts of everything a request could write, plus sums that move when a row changes in
# place: incident versions (every change bumps one), done preventive actions, saved views' text.
_FOOTPRINT = [
    (Incident, "COUNT(*), SUM(version)"),
    (TimelineEvent, "COUNT(*)"),
    (Comment, "COUNT(*)"),
    (Attachment, "COUNT(*)"),
    (IncidentLink, "COUNT(*)"),
    (Problem, "COUNT(*)"),
    (ProblemEvent, "COUNT(*)"),
    (PreventiveAction, "COUNT(*), SUM(CASE WHEN done THEN 1 ELSE 0 END)"),
    (SavedView, "COUNT(*), SUM(LENGTH(name) + LENGTH(query))"),
    (TrackingLink, "COUNT(*)"),
    (Macro, "COUNT(*), SUM(LENGTH(name) + LENGTH(reply_ru))"),
    (User, "COUNT(*)"),
    (Article, "COUNT(*), SUM(version), SUM(LENGTH(status))"),
    (ArticleVersion, "COUNT(*)"),
    (ArticleImage, "COUNT(*)"),
    (ArticleLink, "COUNT(*)"),
    (Feedback, "COUNT(*)"),
    (OwnerTask, "COUNT(*), SUM(CASE WHEN done_at IS NULL THEN 0 ELSE 1 END)"),
]


def footprint() -> tuple:
    """Everything a request could write, in one query, so a refused request can be shown to
    have written nothing."""
    parts = []
    for model, aggregates in _FOOTPRINT:
        table = connection.ops.quote_name(model._meta.db_table)
        parts.extend(f"(SELECT {aggregate} FROM {table})" for aggregate in aggregates.split(", "))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}")
        return tuple(cursor.fetchone())
