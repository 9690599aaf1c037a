"""Who sees, applies and edits which macro, in the console and through the API."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory, TeamFactory
from incidesk.catalog.models import HoldReason
from incidesk.incidents.models import Comment, EventKind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written
from incidesk.incidents.tests.factories import make_incident
from incidesk.macros.access import can_edit, visible_macros
from incidesk.macros.models import Macro, MacroVerb, Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def macros(team, agent, lead):
    other_team = TeamFactory(code="print", name="Печать")
    colleague = AgentFactory(email="boris@example.com")
    team.members.add(colleague)

    def make(name, scope, **fields):
        return Macro.objects.create(name=name, scope=scope, reply_ru=f"{name}: ответ", **fields)

    return {
        "mine": make("Мой", Scope.PERSONAL, owner=agent),
        "colleague": make("Чужой личный", Scope.PERSONAL, owner=colleague),
        "desk": make("Для всех", Scope.DESK),
        "team": make("Для сети", Scope.TEAM, for_team=team),
        "other team": make("Для печати", Scope.TEAM, for_team=other_team),
    }


def _names(user):
    return set(visible_macros(user).values_list("name", flat=True))


def test_an_agent_sees_their_own_the_desks_and_their_teams(agent, macros, customer):
    assert _names(agent) == {"Мой", "Для всех", "Для сети"}
    assert _names(customer) == set()


def test_a_lead_sees_their_teams_and_an_admin_every_team(lead, admin, macros):
    assert _names(lead) == {"Для всех", "Для сети"}
    assert _names(admin) == {"Для всех", "Для сети", "Для печати"}


def test_only_leads_and_admins_edit_shared_macros(agent, lead, admin, macros):
    assert can_edit(agent, macros["mine"])
    assert not can_edit(agent, macros["desk"]) and not can_edit(agent, macros["team"])
    assert can_edit(lead, macros["desk"]) and can_edit(lead, macros["team"])
    assert not can_edit(lead, macros["other team"])  # not their team
    assert not can_edit(lead, macros["colleague"])  # personal is personal
    assert can_edit(admin, macros["other team"])
    other_lead = LeadFactory()
    assert not can_edit(other_lead, macros["team"])


# --- console pages ------------------------------------------------------------------------------


def test_the_list_offers_edits_only_where_allowed(client, agent, macros):
    client.force_login(agent)
    page = client.get("/console/macros/").content.decode()
    assert f"/console/macros/{macros['mine'].pk}/" in page
    assert "Для всех" in page and f"/console/macros/{macros['desk'].pk}/" not in page
    assert "Чужой личный" not in page and "Для печати" not in page


def test_an_agent_may_not_edit_or_delete_a_shared_macro(client, agent, macros):
    client.force_login(agent)
    team_macro = macros["team"]
    assert client.get(f"/console/macros/{team_macro.pk}/").status_code == 403
    assert client.post(f"/console/macros/{team_macro.pk}/delete/").status_code == 403
    assert client.post(f"/console/macros/{macros['other team'].pk}/delete/").status_code == 404
    assert client.post(f"/console/macros/{macros['colleague'].pk}/delete/").status_code == 404
    assert Macro.objects.count() == 5


def test_an_agent_writes_only_personal_macros(client, agent, team):
    client.force_login(agent)
    response = client.post(
        "/console/macros/new/",
        {
            "name": "Попытка общего",
            "scope": "desk",
            "for_team": team.pk,
            "reply_visibility": "public",
            "reply_ru": "Привет",
        },
    )
    assert response.status_code == 422
    assert not Macro.objects.exists()
    response = client.post(
        "/console/macros/new/",
        {"name": "Мой", "scope": "personal", "reply_visibility": "public", "reply_ru": "Привет"},
    )
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.scope, macro.owner, macro.for_team) == (Scope.PERSONAL, agent, None)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "Неизвестная подстановка: {{ request }}"),
        ("en", "Unknown placeholder: {{ request }}"),
    ],
)
def test_the_form_names_an_unknown_placeholder_in_words(client, lead, team, language, words):
    lead.language = language
    lead.save()
    client.force_login(lead)
    response = client.post(
        "/console/macros/new/",
        {
            "name": "Командный",
            "scope": "team",
            "for_team": team.pk,
            "reply_visibility": "public",
            "reply_ru": "{{ request }} {% load static %}",
            "verb": "hold",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert words in page
    hold = "Выберите причину ожидания." if language == "ru" else "Choose why the incident waits."
    assert hold in page
    assert not Macro.objects.exists()


def test_a_lead_shares_a_macro_with_their_team(client, lead, team):
    client.force_login(lead)
    response = client.post(
        "/console/macros/new/",
        {
            "name": "Командный",
            "scope": "team",
            "for_team": team.pk,
            "reply_visibility": "internal",
            "reply_ru": "Проверить журнал",
        },
    )
    assert response.status_code == 302
    assert Macro.objects.get().for_team == team


# --- the workspace ------------------------------------------------------------------------------


def test_the_picker_searches_by_name(client, agent, customer, macros):
    incident = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    client.force_login(agent)
    found = client.get(f"/console/macros/for/{incident.number}/", {"q": "для"}).content.decode()
    assert "Для всех" in found and "Для сети" in found and "Мой" not in found
    assert "Для печати" not in found


def test_preview_then_apply_from_the_workspace(client, agent, customer, team):
    macro = Macro.objects.create(
        name="Журнал VPN",
        scope=Scope.TEAM,
        for_team=team,
        reply_ru="{{ customer.name }}, пришлите журнал VPN.",
        verb=MacroVerb.HOLD,
        hold_reason=HoldReason.objects.get(code=HoldReason.AWAITING_CUSTOMER),
    )
    incident = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    client.force_login(agent)
    preview = client.get(
        f"/console/macros/{macro.pk}/preview/{incident.number}/",
        {"comment-version": incident.version},
    ).content.decode()
    assert "Иван Петров, пришлите журнал VPN." in preview
    assert f'name="version" value="{incident.version}"' in preview

    response = client.post(
        f"/console/macros/{macro.pk}/apply/{incident.number}/",
        {"version": incident.version},
        follow=True,
    )
    page = response.content.decode()
    assert "Макрос «Журнал VPN» применён." in page
    assert "из макроса «Журнал VPN»" in page
    assert "Применён макрос «Журнал VPN»" in page
    incident.refresh_from_db()
    assert incident.status == Status.ON_HOLD


def test_a_refusal_comes_back_to_the_workspace_in_words(client, agent, customer, team):
    macro = Macro.objects.create(
        name="Уточнить", scope=Scope.DESK, reply_ru="Уточните модель", verb=MacroVerb.REQUEST_INFO
    )
    incident = make_incident(Status.RESOLVED, reporter=customer, agent=agent)
    client.force_login(agent)
    response = client.post(
        f"/console/macros/{macro.pk}/apply/{incident.number}/",
        {"version": incident.version},
        follow=True,
    )
    page = response.content.decode()
    assert "Макрос «Уточнить» не применён: " in page
    assert "Решён" in page
    assert not Comment.objects.filter(incident=incident, body="Уточните модель").exists()


# --- the API ------------------------------------------------------------------------------------


def test_the_api_lists_what_the_token_may_apply(agent, customer, macros):
    listed = Api(agent).get("/macros")
    assert listed.status_code == 200
    assert [m["name"] for m in listed.json()] == ["Для всех", "Для сети", "Мой"]
    assert listed.json()[1]["team"] == "network"
    assert_problem(Api(customer).get("/macros"), 403, "forbidden")


def test_the_api_applies_a_macro_and_refuses_others(agent, customer, macros):
    incident = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    api = Api(agent)
    with nothing_written():
        assert_problem(
            api.post(
                f"/incidents/{incident.number}/apply-macro", {"macro": macros["other team"].pk}
            ),
            404,
            "not_found",
        )
        assert_problem(
            api.post(
                f"/incidents/{incident.number}/apply-macro",
                {"macro": macros["team"].pk, "version": incident.version - 1},
            ),
            409,
            "version_conflict",
        )
        assert_problem(
            Api(customer).post(
                f"/incidents/{incident.number}/apply-macro", {"macro": macros["team"].pk}
            ),
            403,
            "forbidden",
        )
    applied = api.post(
        f"/incidents/{incident.number}/apply-macro",
        {"macro": macros["team"].pk, "version": incident.version},
    )
    assert applied.status_code == 200, applied.json()
    assert applied.json()["version"] > incident.version
    timeline = api.get(f"/incidents/{incident.number}/timeline").json()
    assert timeline[-1]["kind"] == EventKind.MACRO_APPLIED
    assert timeline[-1]["data"]["name"] == "Для сети"
    customer_view = Api(customer).get(f"/incidents/{incident.number}/timeline").json()
    assert EventKind.MACRO_APPLIED not in {event["kind"] for event in customer_view}
