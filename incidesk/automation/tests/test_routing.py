"""Routing at registration, through every intake: the rule's team, tags and priority, the
order of rules, and what the intake pays for it."""

from email.message import EmailMessage

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from incidesk.automation import routing
from incidesk.automation.models import Decision, DecisionKind, RoutingRule
from incidesk.core import generations
from incidesk.incidents import actions
from incidesk.incidents.models import Channel, Incident
from incidesk.incidents.tests.apiclient import Api
from incidesk.mail.inbound import receive
from incidesk.mail.models import Outcome

pytestmark = pytest.mark.django_db


def vpn_mail(sender: str, n: int = 1) -> bytes:
    message = EmailMessage()
    message["From"] = f"Иван Петров <{sender}>"
    message["To"] = "support@localhost"
    message["Subject"] = f"Не работает VPN ({n})"
    message["Message-ID"] = f"<vpn-{n}@vector.example>"
    message.set_content("Добрый день! С утра не подключается впн из дома.")
    return message.as_bytes()


def test_mail_about_vpn_from_the_organisation_lands_in_the_network_team(network):
    message = receive(vpn_mail(network.customer.email), source="stdin")
    assert message.outcome == Outcome.INCIDENT, message.reason
    incident = message.incident
    assert incident is not None
    assert (incident.channel, incident.team, incident.tags) == (
        Channel.EMAIL,
        network.team,
        ["vpn"],
    )
    decision = Decision.objects.get(incident=incident, kind=DecisionKind.ROUTING)
    assert decision.data["rules"] == [
        {
            "id": network.rule.pk,
            "name": "VPN — в сетевую группу",
            "matched": [
                {"condition": "organisation", "values": [network.organisation.pk]},
                {"condition": "words", "values": ["VPN", "впн"]},
            ],
            "team": "Сеть",
            "tags": ["vpn"],
        }
    ]


def test_the_portal_and_the_api_route_the_same_way(network):
    client = Client()
    client.force_login(network.customer)
    form = {"title": "Нет VPN", "kind": "incident", "impact": "medium", "urgency": "medium"}
    assert client.post(reverse("portal:new"), form).status_code == 302
    created = Api(network.customer).post("/incidents", {"title": "VPN отваливается"})
    assert created.status_code == 201, created.content
    assert [i.team for i in Incident.objects.all()] == [network.team, network.team]


def test_the_console_routes_a_callers_incident_when_the_agent_chose_no_team(network):
    client = Client()
    client.force_login(AgentFactory())
    form = {
        "title": "Не работает VPN",
        "kind": "incident",
        "impact": "medium",
        "urgency": "medium",
        "channel": "phone",
        "customer": network.customer.email,
    }
    assert client.post(reverse("console:register"), form).status_code == 302
    incident = Incident.objects.get()
    assert (incident.channel, incident.team, incident.tags) == (
        Channel.PHONE,
        network.team,
        ["vpn"],
    )


def test_an_incident_the_rules_do_not_match_keeps_no_team_and_no_record(network):
    stranger = CustomerFactory()  # another organisation
    incident = actions.do_create_incident(actor=stranger, title="Не работает VPN")
    other = actions.do_create_incident(actor=network.customer, title="Сломался принтер")
    assert (incident.team, other.team, incident.tags) == (None, None, [])
    assert not Decision.objects.exists()


def test_the_team_an_agent_chose_at_registration_stays(network, run_tasks):
    service_desk = TeamFactory(name="Первая линия", code="service-desk")
    agent = AgentFactory()
    incident = actions.do_create_incident(
        actor=agent,
        reporter=network.customer,
        title="VPN",
        team=service_desk,
        channel=Channel.PHONE,
    )
    assert (incident.team, incident.tags) == (service_desk, ["vpn"])
    decision = Decision.objects.get(incident=incident)
    assert decision.data["kept_team"] == "Первая линия"
    assert "team" not in decision.data["rules"][0]


def test_the_first_match_wins_unless_it_says_continue(network):
    RoutingRule.objects.create(
        name="VIP — метка", order=1, conditions={"vip": True}, tags=["vip"], continue_matching=True
    )
    RoutingRule.objects.create(
        name="Всё от Вектора",
        order=2,
        conditions={"organisation": [network.organisation.pk]},
        team=TeamFactory(code="vector"),
        tags=["vector"],
    )
    network.customer.vip = True
    network.customer.save()
    incident = actions.do_create_incident(actor=network.customer, title="Нет VPN")
    assert (
        incident.team is not None and incident.team.code == "vector"
    )  # rule 2 came before the VPN rule (order 100)
    assert incident.tags == ["vip", "vector"]
    fired = Decision.objects.get(incident=incident).data["rules"]
    assert [rule["name"] for rule in fired] == ["VIP — метка", "Всё от Вектора"]


@pytest.mark.parametrize(
    ("impact", "suggested", "urgency", "priority"),
    [
        ("medium", 2, "high", 2),  # medium × high is P2: reached by raising the urgency
        ("medium", 1, "high", 2),  # P1 needs a high impact: the nearest the matrix allows
        ("low", 5, "low", 5),
        ("high", 3, "low", 3),  # lowering is a suggestion too
    ],
)
def test_a_suggested_priority_goes_through_the_matrix(
    network, impact, suggested, urgency, priority
):
    network.rule.priority = suggested
    network.rule.save()
    incident = actions.do_create_incident(
        actor=network.customer, title="VPN", impact=impact, urgency="medium"
    )
    assert (incident.urgency, incident.priority) == (urgency, priority)
    recorded = Decision.objects.get(incident=incident).data["priority"]
    assert recorded == {
        "suggested": suggested,
        "priority": priority,
        "urgency": urgency,
        "reported_urgency": "medium",
    }


def test_an_inactive_rule_is_not_tried(network):
    network.rule.is_active = False
    network.rule.save()
    assert actions.do_create_incident(actor=network.customer, title="VPN").team is None


def _queries(actor, **fields) -> int:
    with CaptureQueriesContext(connection) as captured:
        actions.do_create_incident(actor=actor, **fields)
    return len(captured)


def test_routing_and_assignment_add_at_most_three_queries_to_a_registration(network):
    """The worst case: a rule matches, suggests a priority (from the cached matrix: no query)
    and sends the incident to a team that assigns automatically (the decision's INSERT; the
    assignment itself is promised in the INSERT that promises the rest). Without any rule,
    routing costs the one query that says the rules have not changed (which also tells whether
    a trigger listens to registrations); after a change, each process reads them again once."""
    network.rule.priority = 2
    network.rule.save()
    rules = list(RoutingRule.objects.all())
    RoutingRule.objects.all().delete()
    _queries(network.customer, title="Прогрев")  # caches: the SLA calendars, the (no) rules
    plain = _queries(network.customer, title="Не работает VPN")
    RoutingRule.objects.bulk_create(rules)
    generations.bump(routing.GENERATION)  # bulk_create sends no signal
    # The rules and the triggers read again (one copy of both).
    assert _queries(network.customer, title="Не работает VPN") == plain + 3
    assert _queries(network.customer, title="Не работает VPN") == plain + 1
    assert Incident.objects.filter(team=network.team).count() == 2
