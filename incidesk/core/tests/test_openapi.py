"""The OpenAPI document is served, valid, and describes every lifecycle verb."""

import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

from incidesk.incidents.status import VERBS

pytestmark = pytest.mark.django_db


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    """Swagger UI reads the document as YAML, which refuses a key given twice (Python's json
    keeps the last silently, e.g. a response documented under both 200 and "200")."""
    keys = [key for key, _value in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)


@pytest.fixture
def document() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content, object_pairs_hook=_no_repeated_keys)


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_every_verb_is_documented(document):
    for verb in VERBS:
        assert f"/api/v1/incidents/{{number}}/actions/{verb}" in document["paths"]


def test_both_ways_to_authenticate_are_documented(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"


def test_every_operation_documents_problem_errors(document):
    for operations in document["paths"].values():
        for operation in operations.values():
            error = operation["responses"]["default"]["content"]["application/problem+json"]
            assert error["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_the_docs_page_is_served():
    assert Client().get("/api/v1/docs").status_code == 200
