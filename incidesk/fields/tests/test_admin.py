"""Definitions are edited in the Django admin: choices as lines, checks in the user's language,
the code fixed once saved, no delete; every save is seen by the next read (the generation)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import AdminFactory
from incidesk.fields import definitions
from incidesk.fields.models import FieldDefinition, FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field

pytestmark = pytest.mark.django_db

ADD = reverse("admin:fields_fielddefinition_add")


@pytest.fixture
def staff_client(client):
    client.force_login(AdminFactory())
    return client


def _form(**changes):
    form = {
        "code": "severity",
        "label_ru": "Серьёзность",
        "label_en": "Severity",
        "field_type": FieldType.CHOICE,
        "choices": "low | Низкая | Low\nhigh | Высокая | High",
        "kinds": ["incident"],
        "position": 0,
        "is_active": "on",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_an_admin_adds_a_choice_field(staff_client):
    assert definitions.current().get("severity") is None
    response = staff_client.post(ADD, _form())
    assert response.status_code == 302, response.content
    field = FieldDefinition.objects.get(code="severity")
    assert field.choices == SEVERITY
    assert field.kinds == ["incident"]
    loaded = definitions.current().get("severity")
    assert loaded is not None and loaded.choice_label("high") == "Высокая"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"choices": "low | Низкая"}, "choices", "Строка 1"),
        ({"choices": "a | А | A\na | Б | B"}, "choices", "дважды"),
        ({"choices": ""}, "choices", "хотя бы один"),
        ({"field_type": FieldType.TEXT}, "choices", "Варианты"),
        ({"customer_fillable": "on"}, "customer_visible", "видно"),
        ({"code": "Bad-Code"}, "code", "латинские"),
    ],
)
def test_a_wrong_definition_is_refused_in_russian(staff_client, changes, field, message):
    response = staff_client.post(ADD, _form(**changes), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field]), errors
    assert not FieldDefinition.objects.exists()


def test_the_code_is_fixed_and_nothing_is_deleted(staff_client):
    field = make_field("serial")
    change = reverse("admin:fields_fielddefinition_change", args=[field.pk])
    page = staff_client.get(change)
    assert page.status_code == 200
    assert 'name="code"' not in page.content.decode()
    staff_client.post(change, _form(code="other", field_type=FieldType.TEXT, choices=""))
    field.refresh_from_db()
    assert field.code == "serial"
    assert field.label_ru == "Серьёзность"
    delete = reverse("admin:fields_fielddefinition_delete", args=[field.pk])
    assert staff_client.get(delete).status_code == 403
    assert staff_client.get(reverse("admin:fields_fielddefinition_changelist")).status_code == 200
