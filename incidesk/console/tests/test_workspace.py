"""The incident workspace: every verb through its form, errors next to their fields, the
editor, collision safety, and who may open it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Comment, Incident, IncidentLink, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db


def _url(incident, verb=None):
    if verb is None:
        return reverse("console:incident", args=[incident.number])
    return reverse("console:act", args=[incident.number, verb])


def _post(client, incident, verb, **fields):
    """Submit a workspace form as the page renders it: prefixed fields and the version."""
    incident.refresh_from_db()
    data = {f"{verb}-version": incident.version, **{f"{verb}-{k}": v for k, v in fields.items()}}
    url = (
        reverse("console:comment", args=[incident.number])
        if verb == "comment"
        else _url(incident, verb)
    )
    return client.post(url, data)


def _sections(response):
    return [section.name for section in response.context["sections"]]


def test_workspace_shows_every_field_and_exactly_the_allowed_verbs(agent_client, agent):
    incident = make_incident(Status.NEW, contact_phone="+7 900 000-00-00")
    response = agent_client.get(_url(incident))
    assert response.status_code == 200
    text = response.content.decode()
    assert incident.title in text and "+7 900 000-00-00" in text
    assert _sections(response) == [
        "accept",
        "assign",
        "cancel",
        "link",
        "merge",
        "problem",
        "edit",
    ]
    assert response.context["clocks"]  # the default policy's clocks
    assert 'data-shortcut="a"' in text and 'data-shortcut="r"' in text
    assert 'data-shortcut="n"' in text


def test_a_lead_may_override_priority(client, lead):
    incident = make_incident(Status.IN_PROGRESS)
    client.force_login(lead)
    assert "priority" in _sections(client.get(_url(incident)))
    response = _post(client, incident, "priority", priority=1, priority_reason="Стоит склад")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.priority == 1 and incident.priority_overridden


def test_an_agent_gets_no_override_and_is_refused_if_trying(agent_client):
    incident = make_incident(Status.IN_PROGRESS)
    assert "priority" not in _sections(agent_client.get(_url(incident)))
    response = _post(agent_client, incident, "priority", priority=1, priority_reason="хочу")
    assert response.status_code == 422
    form = next(s for s in response.context["sections"] if s.name == "priority").form
    assert "только руководители" in str(form.non_field_errors())


def test_the_whole_lifecycle_through_the_workspace(agent_client, agent, colleague, customer):
    incident = make_incident(Status.NEW, reporter=customer)
    assert _post(agent_client, incident, "accept").status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS and incident.assignee == agent

    assert (
        _post(
            agent_client, incident, "assign", team="first-line", assignee=colleague.email
        ).status_code
        == 302
    )
    incident.refresh_from_db()
    assert incident.assignee == colleague

    assert (
        _post(
            agent_client, incident, "hold", reason="awaiting_vendor", message="Ждём картридж"
        ).status_code
        == 302
    )
    incident.refresh_from_db()
    assert incident.status == Status.ON_HOLD and incident.hold_reason.code == "awaiting_vendor"

    assert _post(agent_client, incident, "resume").status_code == 302
    assert _post(agent_client, incident, "request-info", message="Какая модель?").status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.ON_HOLD and incident.answer_by is not None
    _post(agent_client, incident, "resume")

    assert (
        _post(
            agent_client,
            incident,
            "resolve",
            cause="hardware_failure",
            resolution_code="fixed",
            notes="Заменили картридж",
        ).status_code
        == 302
    )
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert _sections(agent_client.get(_url(incident))) == [
        "confirm",
        "reopen",
        "close",
        "link",
        "split",
        "problem",
        "edit",
    ]

    assert _post(agent_client, incident, "reopen", reason="Снова не печатает").status_code == 302
    _post(
        agent_client,
        incident,
        "resolve",
        cause="hardware_failure",
        resolution_code="fixed",
        notes="Заменили ещё раз",
    )
    assert _post(agent_client, incident, "close").status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED and incident.reopen_count == 1
    assert _sections(agent_client.get(_url(incident))) == ["link", "split"]


def test_confirm_by_staff(agent_client):
    incident = make_incident(Status.RESOLVED)
    assert _post(agent_client, incident, "confirm").status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED


def test_cancel_as_duplicate_and_link_to_a_major_incident(agent_client, agent):
    original = make_incident(Status.IN_PROGRESS)
    major = make_incident(Status.IN_PROGRESS)
    actions.do_update_incident(major, actor=agent, is_major=True)
    child = make_incident(Status.NEW)
    assert (
        _post(agent_client, child, "link", target=major.number, kind="child_of").status_code == 302
    )
    child.refresh_from_db()
    assert child.parent == major
    assert child.number in agent_client.get(_url(major)).content.decode()

    duplicate = make_incident(Status.NEW)
    assert (
        _post(
            agent_client, duplicate, "cancel", reason="Дубль", duplicate_of=original.number
        ).status_code
        == 302
    )
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CANCELLED and duplicate.duplicate_of == original
    assert IncidentLink.objects.filter(source=duplicate, target=original).exists()


def test_edit_fields(agent_client):
    incident = make_incident(Status.NEW)
    response = _post(
        agent_client,
        incident,
        "edit",
        title="Не печатает принтер на 3 этаже",
        kind="incident",
        impact="high",
        urgency="high",
        category="printer",
        contact_phone="123",
    )
    assert response.status_code == 302, response.context["sections"][-1].form.errors
    incident.refresh_from_db()
    assert incident.title.endswith("3 этаже") and incident.priority == 1
    assert incident.category.code == "printer"


@pytest.mark.parametrize(
    ("verb", "fields", "field", "message"),
    [
        (
            "resolve",
            {"cause": "hardware_failure", "resolution_code": "fixed", "notes": " "},
            "notes",
            "Обязательное поле.",
        ),
        (
            "cancel",
            {"reason": "Дубль", "duplicate_of": "INC-999999"},
            "duplicate_of",
            "Инцидент INC-999999 не найден.",
        ),
        (
            "link",
            {"target": "INC-999999", "kind": "related"},
            "target",
            "Инцидент INC-999999 не найден.",
        ),
    ],
)
def test_domain_errors_appear_next_to_their_field(agent_client, verb, fields, field, message):
    incident = make_incident(Status.IN_PROGRESS)
    response = _post(agent_client, incident, verb, **fields)
    assert response.status_code == 422
    section = next(s for s in response.context["sections"] if s.name == verb)
    assert section.is_open
    assert section.form.errors[field] == [message]
    assert f'data-field="{verb}-{field}"' in response.content.decode()


def test_assigning_someone_outside_the_team_is_explained(agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    outsider = AgentFactory(full_name="Виктор Чужой")
    response = _post(agent_client, incident, "assign", assignee=outsider.email)
    assert response.status_code == 422
    form = next(s for s in response.context["sections"] if s.name == "assign").form
    assert "Виктор Чужой" in form.errors["assignee"][0]


def test_a_verb_the_status_does_not_allow_is_refused_in_words(agent_client):
    incident = make_incident(Status.NEW)
    response = _post(agent_client, incident, "close")
    assert response.status_code == 422
    assert "невозможно" in response.content.decode()


def test_reply_and_internal_note_with_files_look_different(agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    incident.refresh_from_db()
    url = reverse("console:comment", args=[incident.number])
    response = agent_client.post(
        url,
        {
            "comment-version": incident.version,
            "comment-visibility": "internal",
            "comment-body": "Похоже на драйвер",
            "comment-files": [
                SimpleUploadedFile("log.txt", b"error 42"),
                SimpleUploadedFile("b.png", b"png"),
            ],
        },
    )
    assert response.status_code == 302
    _post(agent_client, incident, "comment", visibility="public", body="Уже смотрим")
    note = Comment.objects.get(body="Похоже на драйвер")
    assert note.visibility == Visibility.INTERNAL
    assert sorted(a.original_name for a in note.attachments.all()) == ["b.png", "log.txt"]
    assert {a.visibility for a in note.attachments.all()} == {Visibility.INTERNAL}
    text = agent_client.get(_url(incident)).content.decode()
    internal = text.index('class="is-internal"')
    public = text.index('class="is-public-reply"')
    assert "Внутренний комментарий" in text[internal : internal + 600]
    assert "Ответ заявителю" in text[public : public + 600]
    assert "log.txt" in text[internal : internal + 1500]


def test_an_empty_reply_is_an_error_next_to_the_text(agent_client):
    incident = make_incident(Status.IN_PROGRESS)
    response = _post(agent_client, incident, "comment", visibility="public", body="")
    assert response.status_code == 422
    assert response.context["comment_form"].errors["body"]


def test_version_conflict_shows_what_changed_and_keeps_the_text(agent_client, agent, colleague):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    page = agent_client.get(_url(incident))
    seen = page.context["comment_form"].initial
    actions.do_add_comment(incident, actor=colleague, body="Я уже позвонил клиенту")
    actions.do_hold(
        incident,
        actor=colleague,
        reason=Incident._meta.get_field("hold_reason").related_model.objects.get(
            code="awaiting_vendor"
        ),
    )
    response = agent_client.post(
        reverse("console:comment", args=[incident.number]),
        {
            "comment-version": seen["version"],
            "comment-seen_event": seen["seen_event"],
            "comment-visibility": "public",
            "comment-body": "Перезагрузите принтер, пожалуйста",
        },
    )
    assert response.status_code == 409
    changes = response.context["conflict"]
    assert [e.comment.body for e in changes if e.comment] == ["Я уже позвонил клиенту"]
    assert any(e.event.kind == "status_changed" for e in changes)
    text = response.content.decode()
    assert 'data-testid="conflict"' in text
    assert "Перезагрузите принтер, пожалуйста</textarea>" in text
    incident.refresh_from_db()
    form = response.context["comment_form"]
    assert form["version"].value() == str(incident.version)  # submitting again applies it
    assert not Comment.objects.filter(body__startswith="Перезагрузите").exists()
    response = agent_client.post(
        reverse("console:comment", args=[incident.number]),
        {
            "comment-version": incident.version,
            "comment-visibility": "public",
            "comment-body": "Перезагрузите принтер, пожалуйста",
        },
    )
    assert response.status_code == 302


def test_a_stale_verb_is_not_applied(agent_client, agent, colleague):
    incident = make_incident(Status.NEW)
    version = incident.version
    actions.do_accept(incident, actor=colleague)
    response = agent_client.post(_url(incident, "accept"), {"accept-version": version})
    assert response.status_code == 409
    incident.refresh_from_db()
    assert incident.assignee == colleague


def test_unknown_incident_and_verb_are_404(agent_client):
    assert agent_client.get(reverse("console:incident", args=["INC-424242"])).status_code == 404
    incident = make_incident(Status.NEW)
    assert agent_client.post(_url(incident, "rate")).status_code == 404


def test_escaped_everywhere(agent_client, agent):
    payload = "<img src=x onerror=alert(1)>"
    incident = make_incident(Status.IN_PROGRESS, agent=agent, title=payload, description=payload)
    actions.do_add_comment(incident, actor=agent, body=payload, visibility="internal")
    text = agent_client.get(_url(incident)).content.decode()
    assert payload not in text
    assert text.count("&lt;img src=x onerror=alert(1)&gt;") >= 3


def test_workspace_costs_a_bounded_number_of_queries(
    agent_client, agent, django_assert_max_num_queries
):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    with django_assert_max_num_queries(60) as first:
        agent_client.get(_url(incident))
    for i in range(10):
        actions.do_add_comment(incident, actor=agent, body=f"заметка {i}", visibility="internal")
    with django_assert_max_num_queries(len(first.captured_queries)):
        agent_client.get(_url(incident))


def test_link_to_a_problem_and_unlink(agent_client, agent):
    problem = make_problem(actor=agent, title="Истёк сертификат VPN-шлюза")
    incident = make_incident(Status.IN_PROGRESS)
    missing = _post(agent_client, incident, "problem", problem="PRB-999999")
    assert missing.status_code == 422
    assert (
        _post(agent_client, incident, "problem", problem=problem.number.lower()).status_code == 302
    )
    incident.refresh_from_db()
    assert incident.problem == problem
    page = agent_client.get(_url(incident))
    section = next(s for s in page.context["sections"] if s.name == "problem")
    assert section.form.initial["problem"] == problem.number
    assert _post(agent_client, incident, "problem", problem="").status_code == 302
    incident.refresh_from_db()
    assert incident.problem is None


def test_a_follow_up_shows_on_both_incidents(agent_client, customer):
    closed = make_incident(Status.CLOSED, reporter=customer)
    later = actions.do_create_incident(actor=customer, title="Снова не печатает", follows=closed)
    response = agent_client.get(_url(later))
    assert response.context["links"] == [("Продолжение", closed.number)]
    assert _url(closed) in response.content.decode()
    response = agent_client.get(_url(closed))
    assert response.context["links"] == [("На него ссылается (продолжение)", later.number)]
    assert _url(later) in response.content.decode()


def test_words_with_two_meanings_read_as_the_workspace_means_them(agent_client):
    """ "Link" is a verb on the section and its button (Связать), a noun on the field that
    says which link (Связь); the section of the incident's fields is «Сведения»."""
    page = agent_client.get(_url(make_incident(Status.NEW))).content.decode()
    link = re.search(r'<details[^>]*data-action="link".*?</details>', page, re.S)
    assert link is not None
    assert re.search(r"<summary[^>]*>Связать", link.group())
    assert re.search(r'<label class="form-label" for="id_link-kind">Связь\b', link.group())
    assert re.search(r'<button type="submit"[^>]*>Связать</button>', link.group())
    assert '<h2 id="details-title" class="h6">Сведения</h2>' in page
