"""An article's life and its versions: who may move it where, every edit a version, and the
differences between versions."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.core.errors import Forbidden, InvalidInput, InvalidTransition
from incidesk.knowledge import actions, history
from incidesk.knowledge.models import Audience, OwnerTask, TaskKind
from incidesk.knowledge.status import ArticleStatus, allowed_verbs
from incidesk.knowledge.tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_draft_review_published_archived_and_back():
    agent, lead = AgentFactory(), LeadFactory()
    article = make_article(agent, ArticleStatus.DRAFT)
    assert [v.name for v in allowed_verbs(article, agent)] == ["submit", "archive"]
    article = actions.do_transition(article, "submit", actor=agent)
    assert article.status == ArticleStatus.REVIEW
    # the reviewer has a task; the writer may not publish their own text
    assert OwnerTask.objects.filter(owner=lead, kind=TaskKind.REVIEW, done_at=None).exists()
    with pytest.raises(Forbidden):
        actions.do_transition(article, "publish", actor=agent)
    article = actions.do_transition(article, "publish", actor=lead)
    assert article.status == ArticleStatus.PUBLISHED and article.published_at
    assert not OwnerTask.objects.filter(kind=TaskKind.REVIEW, done_at=None).exists()
    with pytest.raises(InvalidTransition):
        actions.do_transition(article, "submit", actor=agent)
    article = actions.do_transition(article, "archive", actor=agent)
    with pytest.raises(Forbidden):
        actions.do_edit_article(article, actor=agent, body_ru="Новое")
    article = actions.do_transition(article, "restore", actor=lead)
    assert article.status == ArticleStatus.DRAFT


def test_only_the_owner_or_a_manager_archives():
    owner, other = AgentFactory(), AgentFactory()
    article = make_article(owner)
    with pytest.raises(Forbidden):
        actions.do_transition(article, "archive", actor=other)


def test_customers_write_nothing():
    with pytest.raises(Forbidden):
        actions.do_create_article(actor=CustomerFactory(), title_ru="Статья")


def test_customers_of_no_organisation_cannot_be_the_audience():
    agent = AgentFactory()
    article = make_article(agent, ArticleStatus.REVIEW, audience=Audience.CUSTOMERS)
    with pytest.raises(InvalidInput) as refused:
        actions.do_transition(article, "publish", actor=LeadFactory())
    assert "organisations" in refused.value.fields


def test_every_change_of_text_is_a_version_with_its_differences():
    agent = AgentFactory()
    article = make_article(agent, ArticleStatus.DRAFT, body_ru="Шаг 1\nШаг 2\nШаг 3")
    article = actions.do_edit_article(
        article, actor=agent, body_ru="Шаг 1\nШаг 2 <script>\nШаг 3", note="уточнили"
    )
    article = actions.do_edit_article(article, actor=agent, tags="Принтер, печать")
    assert article.version == 2  # tags are not text: no new version
    assert article.tag_list == ["принтер", "печать"]
    first, second = article.versions.order_by("number")
    assert (first.body_ru, second.body_ru) == ("Шаг 1\nШаг 2\nШаг 3", article.body_ru)
    (change,) = history.diff(first, second)
    kinds = [(line.kind, line.text) for line in change.lines]
    assert ("removed", "Шаг 2") in kinds and ("added", "Шаг 2 <script>") in kinds
    assert ("same", "Шаг 1") in kinds


def test_a_stale_edit_is_refused():
    agent = AgentFactory()
    article = make_article(agent, ArticleStatus.DRAFT)
    actions.do_edit_article(article, actor=agent, body_ru="Первая правка")
    with pytest.raises(InvalidInput):
        actions.do_edit_article(article, actor=agent, expected_version=1, body_ru="Вторая")


def test_a_title_is_required_in_one_language():
    with pytest.raises(InvalidInput):
        actions.do_create_article(actor=AgentFactory(), title_ru="  ", title_en="")
    article = actions.do_create_article(actor=AgentFactory(), title_en="Printer restart")
    assert article.title_in("ru") == "Printer restart"
