"""The Django admin: every model's pages render; incidents and their history are read-only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from incidesk.accounts.models import ApiToken, Role, User
from incidesk.accounts.tests.factories import AdminFactory, TeamFactory
from incidesk.catalog.models import Category, PriorityRule
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "catalog", "incidents", "notifications"}
OUR_MODELS = [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff_client(client):
    client.force_login(AdminFactory())
    return client


@pytest.fixture
def incident():
    """A closed incident: comments, a timeline, a team, an assignee, a notification and a
    notification preference; and a merge of two others."""
    incident = make_incident(Status.CLOSED)
    actions.do_merge(
        make_incident(), actor=incident.assignee, target=make_incident(Status.IN_PROGRESS)
    )
    Notification.objects.create(recipient=incident.reporter, event=incident.events.last())
    Preference.objects.create(user=incident.reporter, muted_topics=["sla"])
    ApiToken.issue(incident.assignee)
    team = TeamFactory()
    team.members.add(incident.assignee)
    return incident


def test_every_model_is_in_the_admin():
    registered = {model._meta.label for model in OUR_MODELS}
    assert {
        "accounts.User",
        "accounts.Team",
        "accounts.Organisation",
        "accounts.ApiToken",
        "catalog.Category",
        "catalog.Service",
        "catalog.Cause",
        "catalog.ResolutionCode",
        "catalog.HoldReason",
        "catalog.PriorityRule",
        "incidents.Incident",
        "incidents.TimelineEvent",
        "notifications.Notification",
    } <= registered


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_changelist_and_detail_pages_render(staff_client, incident, model):
    assert staff_client.get(url(model, "changelist")).status_code == 200

    obj = model.objects.first()
    assert staff_client.get(url(model, "change", obj.pk)).status_code == 200


def test_changelist_search_and_filters_render(staff_client, incident):
    response = staff_client.get(
        url(Incident, "changelist"), {"q": incident.number, "status__exact": "closed"}
    )

    assert response.status_code == 200
    assert incident.number in response.content.decode()
    response = staff_client.get(url(Incident, "changelist"), {"q": "принтер"})
    assert incident.number in response.content.decode()


def test_incident_has_no_add_change_or_delete(rf, incident):
    request = rf.get("/")
    request.user = AdminFactory()
    for model in (Incident, TimelineEvent, Notification):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request, incident)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, incident)
        assert not model_admin.has_delete_permission(request, incident)


def test_incident_cannot_be_added_changed_or_deleted_through_the_admin(staff_client, incident):
    assert staff_client.get(url(Incident, "add")).status_code == 403
    staff_client.post(url(Incident, "change", incident.pk), {"title": "Изменено", "status": "new"})
    assert (
        staff_client.post(url(Incident, "delete", incident.pk), {"post": "yes"}).status_code == 403
    )

    unchanged = Incident.objects.get(pk=incident.pk)
    assert (unchanged.title, unchanged.status) == (incident.title, Status.CLOSED)


def test_reference_data_is_editable(staff_client):
    parent = Category.objects.get(code="hardware")
    response = staff_client.post(
        url(Category, "add"),
        {
            "code": "scanner",
            "name_ru": "Сканер",
            "name_en": "Scanner",
            "parent": parent.pk,
            "is_active": "on",
            "position": 9,
        },
    )
    assert response.status_code == 302
    assert Category.objects.get(code="scanner").parent == parent

    rule = PriorityRule.objects.get(impact="low", urgency="low")
    staff_client.post(
        url(PriorityRule, "change", rule.pk), {"impact": "low", "urgency": "low", "priority": 4}
    )
    rule.refresh_from_db()
    assert rule.priority == 4


def test_an_admin_creates_a_user_with_a_role(staff_client):
    response = staff_client.post(
        url(User, "add"),
        {
            "email": "new.agent@example.com",
            "full_name": "Новый Агент",
            "role": Role.AGENT,
            "usable_password": "true",
            "password1": "secret-pass-123",
            "password2": "secret-pass-123",
        },
    )

    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(email="new.agent@example.com")
    assert user.role == Role.AGENT and user.check_password("secret-pass-123")
