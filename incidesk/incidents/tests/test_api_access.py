"""Who sees what through the API: the access matrix, internal notes, organisation sharing,
and the comment, timeline and attachment endpoints."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, OrganisationFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Attachment, Incident, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

MISSING = "INC-999999"


@pytest.fixture
def worked() -> Incident:
    """An incident in progress with a public reply, an internal note and a file on each."""
    incident = make_incident(Status.IN_PROGRESS, title="Не печатает принтер")
    agent = incident.assignee
    public = actions.do_add_comment(incident, actor=agent, body="Проверяем")
    internal = actions.do_add_comment(
        incident, actor=agent, body="Секрет: пароль от принтера admin", visibility="internal"
    )
    for comment, name in ((public, "схема.png"), (internal, "пароли.txt")):
        actions.do_add_attachment(
            incident,
            actor=agent,
            upload=SimpleUploadedFile(name, b"data", content_type="text/plain"),
            comment=comment,
        )
    incident.refresh_from_db()
    return incident


def requests_for(number: str, attachment_id: int) -> list[tuple[str, str, dict | None]]:
    """Every endpoint that names an incident, as (method, path, body)."""
    base = f"/incidents/{number}"
    return [
        ("get", base, None),
        ("patch", base, {"version": 1, "title": "Чужое"}),
        ("get", f"{base}/comments", None),
        ("post", f"{base}/comments", {"body": "Привет"}),
        ("get", f"{base}/timeline", None),
        ("get", f"{base}/attachments", None),
        ("get", f"{base}/attachments/{attachment_id}", None),
        ("post", f"{base}/actions/confirm", None),
        ("post", f"{base}/actions/reopen", {"reason": "Нет"}),
    ]


def call(api: Api, method: str, path: str, body: dict | None):
    return api.get(path) if method == "get" else getattr(api, method)(path, body)


def test_someone_elses_incident_looks_exactly_like_a_missing_one(worked):
    stranger = Api(CustomerFactory())
    attachment = worked.attachments.first()
    hidden = requests_for(worked.number, attachment.pk)
    missing = requests_for(MISSING, attachment.pk)
    with nothing_written():
        for (method, path, body), (_, missing_path, _) in zip(hidden, missing, strict=True):
            response = call(stranger, method, path, body)
            problem = assert_problem(response, 404, "not_found")
            absent = call(stranger, method, missing_path, body).json()
            assert problem == {**absent, "detail": absent["detail"].replace(MISSING, worked.number)}
    assert worked.number not in [i["number"] for i in stranger.get("/incidents").json()["items"]]


def test_a_stranger_cannot_upload_to_someone_elses_incident(worked):
    with nothing_written():
        response = Api(CustomerFactory()).upload(
            f"/incidents/{worked.number}/attachments", file=SimpleUploadedFile("x.txt", b"x")
        )
    assert_problem(response, 404, "not_found")


def test_the_customer_never_sees_internal_notes(worked):
    customer = Api(worked.reporter)
    comments = customer.get(f"/incidents/{worked.number}/comments").json()
    assert [c["body"] for c in comments] == ["Проверяем"]
    assert all(c["author"] is None and c["author_name"] for c in comments)

    events = customer.get(f"/incidents/{worked.number}/timeline").json()
    kinds = {e["kind"] for e in events}
    assert "internal_note" not in kinds and "assigned" not in kinds
    assert all(e["is_public"] for e in events)
    assert "Секрет" not in str(events)

    files = customer.get(f"/incidents/{worked.number}/attachments").json()
    assert [f["name"] for f in files] == ["схема.png"]
    internal = Attachment.objects.get(visibility=Visibility.INTERNAL)
    response = customer.get(f"/incidents/{worked.number}/attachments/{internal.pk}")
    assert_problem(response, 404, "not_found")


def test_staff_see_everything(worked):
    agent = Api(AgentFactory())
    assert len(agent.get(f"/incidents/{worked.number}/comments").json()) == 2
    assert len(agent.get(f"/incidents/{worked.number}/attachments").json()) == 2
    kinds = {e["kind"] for e in agent.get(f"/incidents/{worked.number}/timeline").json()}
    assert {"internal_note", "assigned", "public_reply", "created"} <= kinds


def test_desk_internal_fields_are_hidden_from_customers(worked):
    as_customer = Api(worked.reporter).get(f"/incidents/{worked.number}").json()
    as_agent = Api(AgentFactory()).get(f"/incidents/{worked.number}").json()
    for key in ("assignee", "team", "cause", "parent", "is_major", "priority_overridden"):
        assert as_customer[key] is None
    assert as_agent["assignee"] == worked.assignee.email
    assert as_customer["reporter"] == worked.reporter.email


def test_colleagues_see_each_other_only_when_the_organisation_shares():
    organisation = OrganisationFactory(shared_visibility=False)
    alice = CustomerFactory(organisation=organisation)
    bob = CustomerFactory(organisation=organisation)
    incident = make_incident(reporter=alice)
    assert_problem(Api(bob).get(f"/incidents/{incident.number}"), 404, "not_found")

    organisation.shared_visibility = True
    organisation.save()
    bob_api = Api(bob)
    assert bob_api.get(f"/incidents/{incident.number}").status_code == 200
    assert [i["number"] for i in bob_api.get("/incidents").json()["items"]] == [incident.number]
    response = bob_api.post(f"/incidents/{incident.number}/comments", {"body": "У меня тоже"})
    assert response.status_code == 201, response.content


def test_a_customer_comments_publicly_and_cannot_write_internal_notes():
    incident = make_incident(Status.ON_HOLD)  # waiting for the customer's answer
    api = Api(incident.reporter)
    with nothing_written():
        refused = api.post(
            f"/incidents/{incident.number}/comments", {"body": "Тсс", "visibility": "internal"}
        )
    assert_problem(refused, 403, "forbidden")
    response = api.post(f"/incidents/{incident.number}/comments", {"body": "Модель HP 1020"})
    assert response.status_code == 201, response.content
    assert response.json()["visibility"] == "public"
    assert Api(AgentFactory()).get(f"/incidents/{incident.number}").json()["status"] == (
        "in_progress"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "ok", "visibility": "secret"}, "visibility"),
        ({"body": "ok", "author": "me"}, "author"),
    ],
)
def test_bad_comments_are_refused(body, field):
    incident = make_incident()
    with nothing_written():
        response = Api(AgentFactory()).post(f"/incidents/{incident.number}/comments", body)
    assert field in assert_problem(response, 422, "invalid_input")["fields"]


def test_a_closed_incident_takes_no_more_customer_comments():
    incident = make_incident(Status.CLOSED)
    with nothing_written():
        response = Api(incident.reporter).post(
            f"/incidents/{incident.number}/comments", {"body": "Ещё вопрос"}
        )
    assert_problem(response, 403, "forbidden")


def test_upload_and_download_keep_the_original_name():
    incident = make_incident()
    api = Api(incident.reporter)
    upload = SimpleUploadedFile("отчёт.html", b"<script>alert(1)</script>", "text/html")
    response = api.upload(f"/incidents/{incident.number}/attachments", file=upload)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["size"], created["visibility"]) == ("отчёт.html", 25, "public")

    download = api.get(f"/incidents/{incident.number}/attachments/{created['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"<script>alert(1)</script>"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.html" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_a_file_on_an_internal_note_is_internal(worked):
    note = worked.comments.get(visibility=Visibility.INTERNAL)
    response = Api(AgentFactory()).upload(
        f"/incidents/{worked.number}/attachments",
        file=SimpleUploadedFile("log.txt", b"log"),
        comment=note.pk,
    )
    assert response.status_code == 201, response.content
    assert response.json()["visibility"] == "internal"
    assert response.json()["comment"] == note.pk


@pytest.mark.parametrize("who", ["customer", "agent"])
def test_upload_refusals(worked, who):
    other = make_incident()
    api = Api(worked.reporter if who == "customer" else AgentFactory())
    foreign_comment = actions.do_add_comment(other, actor=AgentFactory(), body="Чужой")
    cases = [
        ({"file": SimpleUploadedFile("a.txt", b"a"), "comment": foreign_comment.pk}, 422),
        ({"file": SimpleUploadedFile("empty.txt", b"")}, 422),
        ({"comment": 1}, 422),
    ]
    if who == "customer":
        cases.append(({"file": SimpleUploadedFile("a.txt", b"a"), "visibility": "internal"}, 403))
    for data, status in cases:
        with nothing_written():
            response = api.upload(f"/incidents/{worked.number}/attachments", **data)
        assert response.status_code == status, (data, response.content)


def test_an_attachment_of_another_incident_is_not_found(worked):
    other = make_incident(reporter=worked.reporter)
    attachment = worked.attachments.get(visibility=Visibility.PUBLIC)
    response = Api(worked.reporter).get(f"/incidents/{other.number}/attachments/{attachment.pk}")
    assert_problem(response, 404, "not_found")
