"""Russian full-text search by word forms, on both databases."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.search import search, stem_words
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    return set(search(Incident.objects.all(), q).values_list("number", flat=True))


def test_stems_unify_russian_word_forms():
    assert len(set(stem_words("принтер принтера принтеры принтеров"))) == 1


@pytest.mark.parametrize("q", ["принтер", "принтера", "принтеры", "ПРИНТЕРОМ"])
def test_word_forms_find_each_other(q):
    printer = make_incident(title="Не работает принтер на третьем этаже")
    make_incident(title="Нет доступа к почте")
    assert found(q) == {printer.number}


def test_searches_description_number_and_public_replies():
    agent = AgentFactory()
    incident = make_incident(
        Status.IN_PROGRESS, agent=agent, title="Ошибка", description="Сломалась клавиатура"
    )
    actions.do_add_comment(incident, actor=agent, body="Заказали новые картриджи")
    assert found("клавиатуры") == {incident.number}
    assert found("картридж") == {incident.number}
    assert found(incident.number) == {incident.number}


def test_all_words_must_match():
    a = make_incident(title="Принтер не печатает")
    make_incident(title="Принтер шумит")
    assert found("принтер печатает") == {a.number}


def test_title_change_reindexes():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent, title="Сканер")
    actions.do_update_incident(incident, actor=agent, title="Монитор мигает")
    assert found("мониторы") == {incident.number}
    assert found("сканер") == set()


def test_punctuation_only_query_finds_nothing():
    make_incident()
    assert found('"*()') == set()
