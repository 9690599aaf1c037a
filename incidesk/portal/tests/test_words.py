"""No portal page shows an internal code where the glossary has a word, nor a word the
glossary does not use (docs/glossary.md), in Russian and English."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from incidesk.accounts.models import Team
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Category, Cause, HoldReason, ResolutionCode, Service
from incidesk.incidents import actions
from incidesk.incidents.models import Channel, EventKind, Kind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.web.glossary import banned_in, banned_words

pytestmark = pytest.mark.django_db


class _Text(HTMLParser):
    """What a person reads: text outside scripts and styles, and the labels screen readers say."""

    SPOKEN = ("aria-label", "placeholder", "title", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in self.SPOKEN and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _readable(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _codes() -> set[str]:
    """Every internal code that looks like one (snake_case or kebab-case: no word of a
    sentence does), from the catalogue and the incident's choices."""
    codes = {
        code
        for model in (Category, Service, Cause, ResolutionCode, HoldReason, Team)
        for code in model.objects.values_list("code", flat=True)
    }
    codes |= {value for choices in (Status, EventKind, Channel, Kind) for value in choices.values}
    return {code for code in codes if "_" in code or "-" in code}


@pytest.fixture
def portal_pages(run_tasks) -> tuple[object, list[str]]:
    """A customer with an incident in each state the portal shows, and the pages to read."""
    customer = CustomerFactory()
    agent = AgentFactory(full_name="Дмитрий Козлов")
    category = Category.objects.filter(parent__isnull=False).first()
    service = Service.objects.first()
    Team.objects.create(code="first-line", name="Первая линия")
    opened = make_incident(reporter=customer, category=category, service=service)
    asked = make_incident(Status.ON_HOLD, reporter=customer, agent=agent)
    waiting = actions.do_hold(
        make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent),
        actor=agent,
        reason=HoldReason.objects.get(code="awaiting_vendor"),
    )
    resolved = make_incident(Status.RESOLVED, reporter=customer, agent=agent)
    closed = make_incident(Status.CLOSED, reporter=customer, agent=agent)
    cancelled = make_incident(Status.CANCELLED, reporter=customer, agent=agent)
    actions.do_add_comment(asked, actor=customer, body="Модель HP 1020")
    run_tasks()
    incidents = [opened, asked, waiting, resolved, closed, cancelled]
    pages = [reverse("portal:list"), reverse("portal:new"), reverse("notifications:list")]
    pages += [reverse("portal:incident", args=[i.number]) for i in incidents]
    pages.append(reverse("portal:submitted", args=[opened.number]))
    return customer, pages


@pytest.mark.parametrize("language", ["ru", "en"])
def test_portal_pages_speak_words_not_codes(client, portal_pages, language):
    customer, pages = portal_pages
    customer.language = language
    customer.save()
    client.force_login(customer)
    codes = _codes()
    assert {"awaiting_customer", "in_progress", "first-line"} <= codes
    banned = banned_words()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _readable(response.content.decode())
        assert text, url
        shown = sorted(code for code in codes if code in text)
        assert shown == [], f"{url} shows internal codes {shown}"
        if language == "ru":
            assert banned_in(text, banned) == [], url
