"""Merge, its undo and split in the workspace, and merge as a bulk action."""

import pytest
from django.urls import reverse

from incidesk.accounts.models import User
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _reporter(incident: Incident) -> User:
    """The reporter `make_incident` always gives."""
    assert incident.reporter is not None
    return incident.reporter


def _post(client, incident, verb, **fields):
    incident.refresh_from_db()
    data = {f"{verb}-version": incident.version, **{f"{verb}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("console:act", args=[incident.number, verb]), data)


def _page(client, incident):
    return client.get(reverse("console:incident", args=[incident.number]))


def test_merge_then_undo_from_the_workspace(agent_client, agent):
    original = make_incident(Status.IN_PROGRESS, agent=agent)
    duplicate = make_incident(Status.NEW, reporter=original.reporter)
    actions.do_add_comment(duplicate, actor=_reporter(duplicate), body="Опять не печатает")
    sections = [s.name for s in _page(agent_client, duplicate).context["sections"]]
    assert "merge" in sections and "unmerge" not in sections
    assert _post(agent_client, duplicate, "merge", target=original.number).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CANCELLED and duplicate.duplicate_of == original

    target_page = _page(agent_client, original).content.decode()
    assert "Опять не печатает" in target_page
    assert f"из {duplicate.number}" in target_page
    page = _page(agent_client, duplicate)
    assert "unmerge" in [s.name for s in page.context["sections"]]
    assert f"объединён с {original.number}" in page.content.decode()

    assert _post(agent_client, duplicate, "unmerge").status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.IN_PROGRESS
    assert duplicate.comments.get().body == "Опять не печатает"


def test_merge_into_a_missing_incident_shows_the_error_at_the_field(agent_client):
    duplicate = make_incident(Status.NEW)
    response = _post(agent_client, duplicate, "merge", target="INC-999999")
    assert response.status_code == 422
    form = next(s.form for s in response.context["sections"] if s.name == "merge")
    assert "INC-999999" in form.errors["target"][0]
    duplicate.refresh_from_db()
    assert duplicate.status == Status.NEW


def test_split_a_comment_from_the_workspace(agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    comment = actions.do_add_comment(
        incident, actor=agent, body="Сканер тоже сломан", visibility=Visibility.INTERNAL
    )
    page = _page(agent_client, incident)
    split = next(s.form for s in page.context["sections"] if s.name == "split")
    assert [value for value, _label in split.fields["comment"].widget.choices] == [comment.pk]
    response = _post(agent_client, incident, "split", comment=comment.pk, title="Сканер")
    assert response.status_code == 302
    new = Incident.objects.get(title="Сканер")
    assert new.reporter == incident.reporter
    assert new.comments.get().body == "Сканер тоже сломан"


def test_split_is_not_offered_without_comments(agent_client, agent):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    assert "split" not in [s.name for s in _page(agent_client, incident).context["sections"]]


def test_bulk_merge(client, lead, agent):
    original = make_incident(Status.IN_PROGRESS, agent=agent)
    copies = [make_incident(Status.NEW) for _ in range(2)]
    client.force_login(lead)
    response = client.post(
        reverse("console:bulk"),
        {"incident": [c.number for c in copies], "action": "merge", "original": original.number},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["Обновлено 2 инцидента."]
    for copy in copies:
        copy.refresh_from_db()
        assert copy.merged_at is not None and copy.duplicate_of == original
