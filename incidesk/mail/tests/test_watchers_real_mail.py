"""Issue 18's "done when" for watchers and merges, end to end: Debian's chromium for the web
side, aiosmtpd for the mail we send and a private dovecot for the mail we fetch (`email poll`).

- a customer adds a colleague in the portal; the colleague gets the next status mail (their
  own, worded for a watcher) and replies to it into the incident, which the reporter reads;
  then the link in that mail stops it;
- an address in Cc of a mail that opens an incident becomes its watcher and hears of it;
- an agent merges two incidents in the console, and a later reply to the old one's mail lands
  on the target.
"""

import io
import re
import uuid
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory, OrganisationFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, Visibility, Watcher, WatcherSource
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.models import InboundMessage, Outcome
from incidesk.mail.tests.conftest import DESK
from incidesk.portal.tests.test_browser_portal import _customer, sign_in
from incidesk.web.tests.browser import next_person

pytestmark = [pytest.mark.slow, pytest.mark.browser]

HEADERS = ("To", "Cc", "Bcc", "From", "Reply-To")


def _poll() -> None:
    call_command("email", "poll", stdout=io.StringIO())


def _client_reply(mail: EmailMessage, sender: str, body: str) -> bytes:
    """What a mail client sends when `sender` presses Reply: to the Reply-To, threaded, quoting."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = str(mail["Reply-To"] or mail["From"])
    reply["Subject"] = "Re: " + mail["Subject"].strip()
    reply["Message-ID"] = f"<{uuid.uuid4().hex}@example.ru>"
    reply["In-Reply-To"] = mail["Message-ID"]
    reply["References"] = f"{mail['References']} {mail['Message-ID']}"
    quoted = "\n".join(f"> {line}" for line in _text(mail).splitlines())
    reply.set_content(f"{body}\n\nСлужба поддержки написал(а):\n{quoted}\n")
    return bytes(reply)


def _text(mail: EmailMessage) -> str:
    plain = mail.get_body(("plain",))
    assert plain is not None
    return plain.get_content()


def _headers(mail: EmailMessage) -> str:
    return " ".join(str(mail[name] or "") for name in HEADERS)


def _sign_in_agent(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", "agent-pass-1")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_a_colleague_added_in_the_portal_gets_the_next_status_mail_and_replies_in(
    desk, page: Page, smtp, imap, run_tasks, settings
):
    settings.INCIDESK_BASE_URL = desk.url
    organisation = OrganisationFactory(name="ООО Ромашка")
    reporter = _customer(email="ivan@example.ru", organisation=organisation)
    colleague = _customer(
        email="olga@example.ru", full_name="Ольга Смирнова", organisation=organisation
    )
    incident = make_incident(reporter=reporter, title="Не печатает принтер")
    run_tasks()  # the acknowledgement, to the reporter alone

    sign_in(page, desk.url, reporter.email, "customer-pass-1")
    page.goto(f"{desk.url}/incidents/{incident.number}/")
    add = page.get_by_test_id("add-watcher")
    add.get_by_label("Эл. почта коллеги").fill("olga@example.ru")
    add.get_by_role("button", name="Добавить коллегу").click()
    expect(page.get_by_test_id("watcher")).to_contain_text("Ольга Смирнова")

    actions.do_accept(incident, actor=AgentFactory())
    run_tasks()
    (status_mail,) = smtp.to(colleague.email)
    assert "Взято в работу" in status_mail["Subject"]
    assert str(status_mail["To"]) == colleague.email
    assert reporter.email not in _headers(status_mail)
    assert "Вы получаете это письмо как наблюдатель" in _text(status_mail)
    assert "Специалист взял обращение в работу." in _text(status_mail)
    assert not any("наблюдатель" in _text(mail) for mail in smtp.to(reporter.email))

    imap.deliver(_client_reply(status_mail, "Ольга <olga@example.ru>", "У меня тоже не печатает."))
    _poll()
    comment = incident.comments.get()
    assert (comment.author, comment.visibility, comment.verified) == (
        colleague,
        Visibility.PUBLIC,
        True,
    )
    assert imap.unseen() == []

    page.reload()
    expect(page.get_by_test_id("timeline")).to_contain_text("У меня тоже не печатает.")
    run_tasks()
    told = smtp.to(reporter.email)[-1]
    assert "У меня тоже не печатает." in _text(told) and colleague.email not in _headers(told)

    # The watcher stops the mail from the link in it, without signing in.
    (link,) = re.findall(r"http://\S+/stop/\S+/", _text(status_mail))
    next_person(page)
    page.goto(link)
    page.get_by_role("button", name="Больше не получать новости").click()
    expect(page.get_by_test_id("stop-watching")).to_contain_text("Вы больше не получаете новости")
    assert not Watcher.objects.filter(person=colleague).exists()


def test_a_cc_on_a_mail_fetched_by_imap_becomes_a_watcher_and_hears_of_the_incident(
    reference_data, smtp, imap, run_tasks
):
    agent = AgentFactory(email="agent@example.ru")
    raw = EmailMessage()
    raw["From"] = "Иван Петров <ivan@example.ru>"
    raw["To"] = DESK
    raw["Cc"] = f"Ольга <olga@example.ru>, Incidesk <{DESK}>, {agent.email}"
    raw["Subject"] = "Не печатает принтер"
    raw["Message-ID"] = f"<{uuid.uuid4().hex}@example.ru>"
    raw.set_content("Принтер на третьем этаже не печатает.")
    imap.deliver(bytes(raw))
    _poll()

    message = InboundMessage.objects.get()
    assert message.outcome == Outcome.INCIDENT, message.reason
    incident = Incident.objects.get()
    (watcher,) = Watcher.objects.filter(incident=incident)
    assert (watcher.person.email, watcher.source) == ("olga@example.ru", WatcherSource.CC)

    run_tasks()
    (ack,) = smtp.to("olga@example.ru")
    assert incident.number in ack["Subject"] and "ivan@example.ru" not in _headers(ack)
    assert "как наблюдатель" in _text(ack)
    actions.do_accept(incident, actor=agent)
    run_tasks()
    assert "Взято в работу" in smtp.to("olga@example.ru")[-1]["Subject"]
    assert not smtp.to(DESK)  # the desk's own address in Cc was never made a watcher


def test_an_agent_merges_in_the_console_and_a_later_reply_to_the_old_one_lands_on_the_target(
    desk, page: Page, smtp, imap, run_tasks, ivan
):
    agent = AgentFactory(email="anna@example.com")
    agent.set_password("agent-pass-1")
    agent.save()
    original = make_incident(Status.IN_PROGRESS, reporter=ivan, agent=agent)
    duplicate = make_incident(Status.NEW, reporter=ivan, title="Принтер снова")
    run_tasks()
    ack = next(m for m in smtp.to(ivan.email) if duplicate.number in m["Subject"])

    _sign_in_agent(page, desk.url, agent.email)
    page.goto(f"{desk.url}/console/incidents/{duplicate.number}/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.wait_for_load_state("networkidle")  # the side panels load after the page
    merge = page.locator("details[data-action=merge]")
    merge.locator("summary").click()
    merge.locator("input[name=merge-target]").fill(original.number)
    merge.locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("Отменён")
    page.wait_for_load_state("networkidle")
    run_tasks()
    told = [
        m
        for m in smtp.to(ivan.email)
        if duplicate.number in m["Subject"] and original.number in _text(m)
    ]
    assert len(told) == 1  # the new number, once

    imap.deliver(_client_reply(ack, "Иван Петров <ivan@example.ru>", "Лампа мигает оранжевым."))
    _poll()
    comment = original.comments.get(body="Лампа мигает оранжевым.")
    assert (comment.author, comment.visibility) == (ivan, Visibility.PUBLIC)
    assert not Incident.objects.get(pk=duplicate.pk).comments.exists()
    page.goto(f"{desk.url}/console/incidents/{original.number}/")
    expect(page.locator("ol.timeline")).to_contain_text("Лампа мигает оранжевым.")
    page.wait_for_load_state("networkidle")
