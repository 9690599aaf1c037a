"""One-line fields lose control characters at every intake (portal, console, API, e-mail,
accounts, problems); multi-line text keeps its line breaks and loses the rest."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from incidesk.accounts.contacts import contact_for
from incidesk.accounts.models import Organisation, Team, User
from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
)
from incidesk.catalog.models import Level
from incidesk.console.models import SavedView
from incidesk.core.errors import InvalidInput
from incidesk.core.text import (
    MAX_TEXT_BYTES,
    LineField,
    checked_line,
    checked_text,
    clean_line,
    clean_text,
)
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.inbound import receive
from incidesk.mail.models import Outcome
from incidesk.problems import actions as problem_actions
from incidesk.problems.models import Problem

HOSTILE = "Принтер\r\nBcc: all@example.com\x00\x1b[31m\u202egnp.exe\x85!"
CLEANED = "Принтер Bcc: all@example.com[31mgnp.exe !"


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        (HOSTILE, CLEANED),
        ("  a\tb  ", "a b"),
        ("a\r\n\r\nb", "a b"),
        ("a\u2028b\u2029c", "a b c"),
        ("x\x7f\x80\x9fy", "xy"),
        ("\u2066x\u2069 \u202ay\u202c", "x y"),
        ("Обычный заголовок", "Обычный заголовок"),
        ("\r\n", ""),
        (None, ""),
    ],
)
def test_clean_line(value, cleaned):
    assert clean_line(value) == cleaned


def test_clean_text_keeps_lines_and_tabs():
    assert clean_text(" a\r\n\tb\x00c\x1bd\x07\x9b\u202ee\n ") == "a\r\n\tbcde"
    assert clean_text(None) == ""


def test_line_field_cleans_before_checking_length_and_presence():
    field = LineField(max_length=5)
    assert field.clean("ab\r\ncd") == "ab cd"
    assert field.clean("\x00abcde\x1b") == "abcde"
    with pytest.raises(ValidationError) as refused:
        field.clean("\r\n\x00")
    assert refused.value.code == "required"


def test_checked_line_and_text_clean_then_refuse_naming_the_field():
    assert checked_line("title", " a\r\nb\x00 ", max_length=3) == "a b"
    assert checked_text("notes", "a\r\n\x00b", required=True, bounded=True) == "a\r\nb"
    refusals = [
        (lambda: checked_line("title", "\u202e\r\n", max_length=3), "title"),
        (lambda: checked_line("name", "abcd", max_length=3), "name"),
        (lambda: checked_text("reason", "\x00 ", required=True), "reason"),
        (lambda: checked_text("root_cause", "я" * MAX_TEXT_BYTES, bounded=True), "root_cause"),
    ]
    for check, field in refusals:
        with pytest.raises(InvalidInput) as refused:
            check()
        assert list(refused.value.fields) == [field]
    assert checked_text("comment", "я" * MAX_TEXT_BYTES) == "я" * MAX_TEXT_BYTES


# --- incidents ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_action_stores_one_line_fields_cleaned_and_text_without_controls():
    agent = AgentFactory()
    incident = actions.do_create_incident(
        actor=agent,
        title=HOSTILE,
        description="Первая строка\r\nвторая\x00\x1b[0m\n\tтретья",
        contact_name="Иван\r\nПетров",
        contact_email="Ivan@Example.com\r\n",
        contact_phone="+7\x00 900",
    )
    incident.refresh_from_db()
    assert incident.title == CLEANED
    assert incident.description == "Первая строка\r\nвторая[0m\n\tтретья"
    assert (incident.contact_name, incident.contact_email, incident.contact_phone) == (
        "Иван Петров",
        "ivan@example.com",
        "+7 900",
    )
    actions.do_update_incident(
        incident, actor=agent, title="Новый\rзаголовок", contact_name="\u202eА\u202c Б"
    )
    incident.refresh_from_db()
    assert (incident.title, incident.contact_name) == ("Новый заголовок", "А Б")


@pytest.mark.django_db
def test_comments_keep_their_lines_and_lose_other_controls_whichever_verb_writes_them():
    incident = make_incident(Status.RESOLVED)
    actions.do_reopen(incident, actor=incident.reporter, reason="Не\x00 исправлено\x1b\r\nсовсем")
    actions.do_add_comment(incident, actor=incident.reporter, body="Ещё\x07 раз\n\tспасибо")
    assert list(incident.comments.order_by("id").values_list("body", flat=True)) == [
        "Не исправлено\r\nсовсем",
        "Ещё раз\n\tспасибо",
    ]


@pytest.mark.django_db
def test_a_title_of_control_characters_alone_is_refused_by_the_action():
    with pytest.raises(InvalidInput) as refused:
        actions.do_create_incident(actor=CustomerFactory(), title="\r\n\x00\u202e")
    assert list(refused.value.fields) == ["title"]
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_api_stores_the_title_cleaned():
    customer = CustomerFactory()
    response = Api(customer).post(
        "/incidents", {"title": "VPN\r\nне работает", "description": "a\x00b\nc"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "VPN не работает"
    incident = Incident.objects.get()
    assert (incident.title, incident.description) == ("VPN не работает", "ab\nc")


@pytest.mark.django_db
def test_api_refuses_a_title_that_is_only_control_characters_naming_the_field():
    body = assert_problem(
        Api(CustomerFactory(), "ru").post("/incidents", {"title": "\r\n\x1b"}),
        422,
        "invalid_input",
    )
    assert body["fields"] == {"title": "Это поле не может быть пустым."}
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_api_patch_cleans_title_and_contact_name():
    agent = AgentFactory()
    incident = make_incident(Status.NEW)
    response = Api(agent).patch(
        f"/incidents/{incident.number}",
        {"title": "Новый\r\nзаголовок", "contact_name": "Анна\x00\u202e", "version": 1},
    )
    assert response.status_code == 200, response.content
    incident.refresh_from_db()
    assert (incident.title, incident.contact_name) == ("Новый заголовок", "Анна")


@pytest.mark.django_db
def test_portal_form_stores_the_title_cleaned(client):
    client.force_login(CustomerFactory())
    response = client.post(
        reverse("portal:new"),
        {
            "kind": "incident",
            "title": "Не работает\r\nVPN\x1b",
            "description": "Ошибка 809",
            "impact": Level.MEDIUM,
            "urgency": Level.MEDIUM,
        },
    )
    assert response.status_code == 302
    assert Incident.objects.get().title == "Не работает VPN"


@pytest.mark.django_db
def test_console_edit_form_stores_title_and_contact_cleaned(client):
    agent = AgentFactory()
    client.force_login(agent)
    incident = make_incident(Status.NEW)
    response = client.post(
        reverse("console:act", args=[incident.number, "edit"]),
        {
            "edit-version": incident.version,
            "edit-title": "Не печатает\r\nпринтер\u202e",
            "edit-kind": "incident",
            "edit-impact": "medium",
            "edit-urgency": "medium",
            "edit-contact_name": "Иван\tПетров\x00",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.contact_name) == ("Не печатает принтер", "Иван Петров")


@pytest.mark.django_db
def test_console_saved_view_name_is_one_line(client):
    agent = AgentFactory()
    client.force_login(agent)
    client.post(reverse("console:save_view"), {"name": "Мои\r\nсрочные\x1b", "query": "q=vpn"})
    assert SavedView.objects.get(user=agent).name == "Мои срочные"


@pytest.mark.django_db
def test_e_mail_subject_with_encoded_line_breaks_and_sender_name_with_controls():
    raw = (
        b"From: =?utf-8?q?=D0=98=D0=B2=D0=B0=D0=BD=E2=80=AE=1B_=D0=9F=C2=85=D0=B5=D1=82=D1=80?="
        b" <stranger@example.ru>\r\n"
        b"To: support@localhost\r\n"
        b"Subject: =?utf-8?q?=D0=9D=D0=B5_=D0=BF=D0=B5=D1=87=D0=B0=D1=82=D0=B0=D0=B5=D1=82"
        b"=0D=0AX-Evil=3A_1=1B?=\r\n"
        b"Message-ID: <control-characters@example.ru>\r\n"
        b"Date: Wed, 12 Nov 2025 10:00:00 +0300\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"Hello\r\n"
    )
    message = receive(raw, source="stdin")
    assert message.outcome == Outcome.INCIDENT, message.reason
    incident = message.incident
    assert incident.title == "Не печатает X-Evil: 1"
    assert incident.reporter.full_name == "Иван П етр"


@pytest.mark.django_db
def test_e_mail_subject_of_control_characters_alone_falls_back_to_the_first_line():
    raw = (
        b"From: stranger@example.ru\r\n"
        b"To: support@localhost\r\n"
        b"Subject: =?utf-8?q?=0D=0A=1B=E2=80=AE?=\r\n"
        b"Message-ID: <controls-only@example.ru>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"\x1b\r\nPrinter on floor 3 is jammed\r\n"
    )
    message = receive(raw, source="stdin")
    assert message.outcome == Outcome.INCIDENT, message.reason
    assert message.incident.title == "(без темы)"


# --- accounts -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accounts_store_names_on_one_line_whatever_creates_them():
    contact = contact_for("new@example.com", "Пётр\r\nBcc: x@example.com")
    assert User.objects.get(pk=contact.pk).full_name == "Пётр Bcc: x@example.com"
    organisation = Organisation.objects.create(name="ООО\r\n«Ромашка»\x00")
    team = TeamFactory(name="Вторая\u202e линия")
    user = CustomerFactory(full_name="Анна\x1b[2J", phone="+7\r900")
    assert Organisation.objects.get(pk=organisation.pk).name == "ООО «Ромашка»"
    assert Team.objects.get(pk=team.pk).name == "Вторая линия"
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("Анна[2J", "+7 900")


@pytest.mark.django_db
def test_admin_form_checks_uniqueness_on_the_cleaned_organisation_name():
    Organisation.objects.create(name="ACME")
    form_class = site._registry[Organisation].get_form(RequestFactory().get("/"))
    form = form_class(data={"name": "ACME\r\n"})
    assert not form.is_valid()
    assert "name" in form.errors


# --- problems -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_problem_titles_and_texts_are_cleaned():
    lead = AgentFactory()
    problem = problem_actions.do_create_problem(
        actor=lead, title="Сбой\r\nпечати\u202e", root_cause="Драйвер\x00\r\nверсии 2"
    )
    problem_actions.do_add_preventive_action(
        problem, actor=lead, title="Обновить\nдрайвер\x1b", owner=lead
    )
    problem = Problem.objects.get(pk=problem.pk)
    assert (problem.title, problem.root_cause) == ("Сбой печати", "Драйвер\r\nверсии 2")
    assert problem.actions.get().title == "Обновить драйвер"
    with pytest.raises(InvalidInput) as refused:
        problem_actions.do_update_problem(problem, actor=lead, title="\r\n")
    assert list(refused.value.fields) == ["title"]


@pytest.mark.django_db
def test_problem_api_refuses_an_empty_cleaned_title():
    assert_problem(
        Api(AgentFactory()).post("/problems", {"title": "\x00\r\n"}), 422, "invalid_input"
    )
    assert not Problem.objects.exists()
