"""`incidesk email ingest` (one message on stdin, for an MTA pipe) and `incidesk email poll`
(the IMAP mailbox, once or in a loop).

`ingest` answers the MTA 75 (EX_TEMPFAIL, "keep it and try again") only while the message is
not stored; once it is, 0 even if deciding failed, since a redelivery or the sweep decides it."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidesk.core.management.base import IncideskCommand
from incidesk.mail import imap, inbound
from incidesk.mail.models import Outcome

# sysexits.h EX_TEMPFAIL: the MTA keeps the message and retries delivery later.
EX_TEMPFAIL = 75


class Command(IncideskCommand):
    help = gettext_noop("Receive e-mail: read one message from stdin, or poll the IMAP mailbox.")

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("ingest", help=_("Read one RFC 5322 message from stdin."))
        poll = commands.add_parser("poll", help=_("Fetch unseen messages from IMAP."))
        poll.add_argument("--loop", action="store_true", help=_("Keep polling."))
        poll.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args, subcommand: str, **options) -> None:
        if subcommand == "ingest":
            self._ingest()
        else:
            self._poll(options["loop"], options["interval"])

    def _ingest(self) -> None:
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError(_("No message on standard input."))
        try:
            message = inbound.store(raw, source="stdin")
        except Exception as error:  # not kept (database down etc.): the MTA must retry
            self.stderr.write(f"{type(error).__name__}: {error}")
            sys.exit(EX_TEMPFAIL)
        try:
            message = inbound.process(message.pk)
        except Exception as error:  # kept: a redelivery or the sweep decides it later
            self.stderr.write(f"{type(error).__name__}: {error}")
        self.stdout.write(
            f"{message.outcome} {message.incident.number if message.incident else '-'}"
        )
        if message.outcome == Outcome.FAILED:
            self.stderr.write(message.reason)

    def _poll(self, loop: bool, interval: float) -> None:
        if not settings.IMAP_HOST:
            raise CommandError(_("IMAP_HOST is not set."))
        if loop:
            imap.poll_forever(interval)
        else:
            self.stdout.write(str(imap.poll_once()))
