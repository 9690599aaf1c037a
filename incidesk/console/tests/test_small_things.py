"""The forms' and figures' small things: SLA durations and per cents a person reads at a
glance, the cause tree, worded empty choices, the assign form's starting values, the details
card without empty rows or the internal version."""

import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from incidesk.catalog.models import Cause
from incidesk.console.forms import QueueFilterForm, ResolveForm
from incidesk.console.wording import percent_text, readable_duration
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident


@pytest.mark.parametrize(
    ("seconds", "ru", "en"),
    [
        (870 * 3600 + 13 * 60, "36 дн. 6 ч", "36 d 6 h"),
        (-(870 * 3600 + 13 * 60), "36 дн. 6 ч", "36 d 6 h"),
        (48 * 3600 + 10 * 60, "2 дн.", "2 d"),
        (2 * 86400 - 60, "2 дн.", "2 d"),
        (3 * 3600 + 5 * 60, "3 ч 5 мин", "3 h 5 min"),
    ],
)
def test_durations_past_a_day_are_in_days_and_hours(seconds, ru, en):
    with translation.override("ru"):
        assert readable_duration(seconds) == ru
    with translation.override("en"):
        assert readable_duration(seconds) == en


def test_per_cents_stop_at_a_sane_cap():
    with translation.override("ru"):
        assert (percent_text(42.4), percent_text(999), percent_text(12345)) == (
            "42 %",
            "999 %",
            ">999 %",
        )
    with translation.override("en"):
        assert percent_text(12345) == ">999%"


@pytest.mark.django_db
def test_the_cause_picker_is_the_seeds_tree_in_its_fixed_order():
    with translation.override("ru"):
        choices = list(ResolveForm().fields["cause"].choices)
    assert choices[0] == ("", "— не выбрано —")
    expected = []
    for top in Cause.objects.filter(parent__isnull=True).order_by("position"):
        kids = [(kid.code, kid.name_ru) for kid in top.children.order_by("position")]
        if kids:
            expected.append((top.name_ru, [(top.code, f"{top.name_ru} (в целом)"), *kids]))
        else:
            expected.append((top.code, top.name_ru))
    assert choices[1:] == expected
    assert [label for label, group in expected if isinstance(group, list)] == [
        "Технический сбой",
        "Непредвиденное событие",
    ]


@pytest.mark.django_db
def test_no_django_placeholder_in_the_queue_filters():
    with translation.override("ru"):
        html = QueueFilterForm().as_div()
    assert "---------" not in html
    for words in ("Все группы", "Все причины", "Все каналы", "Любой исполнитель"):
        assert words in html


@pytest.mark.django_db
def test_the_assign_form_starts_from_the_current_team_and_assignee(agent_client, agent, team):
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    response = agent_client.get(reverse("console:incident", args=[incident.number]))
    assign = next(s for s in response.context["sections"] if s.name == "assign")
    assert assign.form.initial["team"] == team.code
    assert assign.form.initial["assignee"] == agent.email


@pytest.mark.django_db
def test_the_details_card_has_no_empty_rows_no_version_and_readable_sla(client, agent):
    time_machine_travel = time_machine.travel("2026-10-01 10:00:00+03:00", tick=False)
    with time_machine_travel:
        incident = make_incident(Status.NEW)
    with time_machine.travel("2026-12-01 10:00:00+03:00", tick=False):
        client.force_login(agent)
        html = client.get(reverse("console:incident", args=[incident.number])).content.decode()
    details = html[html.index('class="row small mb-0 details"') :]
    details = details[: details.index("</dl>")]
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<dd[^>]*>(.*?)</dd>", details, re.S)
    ]
    assert cells and all(cell and cell != "—" for cell in cells), cells
    header = html[html.index("<header") : html.index("</header>")]
    assert "верси" not in header and "version" not in header.lower()
    figures = re.findall(r'data-testid="sla-figure">(.*?)</div>', html, re.S)
    assert figures and all(re.search(r"просрочено на \d+ дн\. \d+ ч", f) for f in figures)
    assert all("&gt;999 %" in f for f in figures), figures
