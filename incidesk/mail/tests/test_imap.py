"""Polling a real IMAP server (our own dovecot) and the stdin path of `incidesk email ingest`."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command

from incidesk.incidents.models import Incident
from incidesk.mail.models import InboundMessage, Outcome
from incidesk.mail.tests.conftest import corpus

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_poller_fetches_each_unseen_message_once(imap, ivan):
    for name in ("utf8_qp.eml", "raw_koi8r_headers.eml", "auto_reply.eml"):
        imap.deliver(corpus(name))
    out = io.StringIO()
    call_command("email", "poll", stdout=out)
    assert out.getvalue().strip() == "3"
    assert imap.unseen() == []
    outcomes = dict(InboundMessage.objects.values_list("message_id", "outcome"))
    assert outcomes == {
        "<utf8-qp@example.ru>": Outcome.INCIDENT,
        "<raw-koi8r@example.ru>": Outcome.INCIDENT,
        "<autoreply@example.ru>": Outcome.IGNORED,
    }
    assert set(Incident.objects.values_list("title", flat=True)) == {
        "Не печатает принтер",
        "Не работает телефон",
    }
    call_command("email", "poll", stdout=io.StringIO())
    assert InboundMessage.objects.count() == 3


def test_the_raw_bytes_are_kept_exactly(imap, ivan):
    imap.deliver(corpus("raw_koi8r_headers.eml"))
    call_command("email", "poll", stdout=io.StringIO())
    assert bytes(InboundMessage.objects.get().raw).replace(b"\r\n", b"\n") == corpus(
        "raw_koi8r_headers.eml"
    ).replace(b"\r\n", b"\n")


def test_polling_needs_a_mailbox(settings):
    settings.IMAP_HOST = ""
    with pytest.raises(CommandError, match="IMAP_HOST"):
        call_command("email", "poll")


def _stdin(monkeypatch, raw: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))


def test_ingest_reads_one_message_from_stdin(monkeypatch, ivan):
    _stdin(monkeypatch, corpus("cp1251_labelled_latin1.eml"))
    out = io.StringIO()
    call_command("email", "ingest", stdout=out)
    incident = Incident.objects.get()
    assert out.getvalue().strip() == f"incident {incident.number}"
    assert incident.title == "Не работает сканер"
    assert InboundMessage.objects.get().source == "stdin"


def test_ingest_refuses_empty_input(monkeypatch):
    _stdin(monkeypatch, b"  \n")
    with pytest.raises(CommandError, match="нет письма"):
        call_command("email", "ingest")
