"""Errors are RFC 9457 problem+json in the caller's language, whatever raised them."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents import queries
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

RUSSIAN_CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES" / "django.mo"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_language_gets_the_same_code_and_some_detail(language):
    user = CustomerFactory()
    response = Api(user, language).get("/incidents/INC-424242")
    problem = assert_problem(response, 404, "not_found")
    assert problem["detail"]
    response = Api(user, language).post("/incidents", {"description": "Без заголовка"})
    assert assert_problem(response, 422, "invalid_input")["fields"].keys() == {"title"}


def test_english_text():
    api = Api(CustomerFactory(), "en")
    problem = api.get("/incidents/INC-424242").json()
    assert (problem["title"], problem["detail"]) == (
        "Not found",
        "Incident INC-424242 was not found.",
    )
    problem = api.post("/incidents", {}).json()
    assert problem["detail"] == "This field is required."
    assert problem["fields"] == {"title": "This field is required."}


def test_reasons_shared_with_django_are_already_russian():
    """Messages that reuse Django's own msgids are translated before our catalogue exists."""
    english = Api(CustomerFactory(), "en").post("/incidents", {}).json()
    russian = Api(CustomerFactory(), "ru").post("/incidents", {}).json()
    assert english["code"] == russian["code"] == "invalid_input"
    assert russian["detail"] != english["detail"] == "This field is required."
    assert re.search("[а-я]", russian["fields"]["title"])


@pytest.mark.skipif(not RUSSIAN_CATALOGUE.exists(), reason="Russian catalogue not compiled yet")
def test_our_own_messages_are_translated():
    english = Api(CustomerFactory(), "en").get("/incidents/INC-424242").json()
    russian = Api(CustomerFactory(), "ru").get("/incidents/INC-424242").json()
    assert russian["detail"] != english["detail"]
    assert russian["title"] != english["title"]


def test_several_invalid_fields_are_all_named():
    response = Api(AgentFactory()).post("/incidents", {"title": "", "impact": "x", "extra": 1})
    problem = assert_problem(response, 422, "invalid_input")
    assert problem["fields"].keys() == {"title", "impact", "extra"}
    assert problem["detail"] == "Several fields are invalid: title, impact, extra."


def test_an_unexpected_error_is_a_500_problem_without_internals(monkeypatch, caplog):
    incident = make_incident()

    def explode(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(queries, "with_related", explode)
    response = Api(AgentFactory()).get(f"/incidents/{incident.number}")
    problem = assert_problem(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert problem["detail"]
    assert "hunter2" in caplog.text  # but the log has it


def test_a_mistyped_url_is_a_404_problem():
    response = Api(CustomerFactory()).get("/incidentz")
    assert_problem(response, 404, "not_found")


def test_an_oversized_body_is_a_413_problem(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    with nothing_written():
        response = Api(CustomerFactory()).post("/incidents", {"title": "x" * 2000})
    assert_problem(response, 413, "too_large")
