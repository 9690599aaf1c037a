"""`incidesk demo`: load a realistic Russian-language desk to try Incidesk or measure it.

Runs once per database (a second run refuses): start from a fresh database to reload.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidesk.accounts.models import Role
from incidesk.core.management.base import IncideskCommand
from incidesk.demo import builder, people
from incidesk.incidents.status import Status


class Command(IncideskCommand):
    help = gettext_noop("Load demo teams, customers and incidents.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidents", type=int, default=500, help=_("How many incidents."))
        parser.add_argument(
            "--seed", type=int, help=_("Random seed, to build the same desk again.")
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing if demo data is already loaded (for start-up scripts)."),
        )

    def handle(self, *args, incidents: int, seed: int | None, if_empty: bool, **options) -> None:
        if incidents < 0:
            raise CommandError("--incidents: " + _("must not be negative."))
        seed = random.randrange(2**31) if seed is None else seed  # noqa: S311  a demo seed, not a secret
        started = time.monotonic()
        try:
            summary = builder.build(incidents=incidents, seed=seed, progress=self._progress)
        except builder.AlreadyLoaded:
            if if_empty:
                self.stdout.write(_("Demo data is already loaded."))
                return
            raise CommandError(
                _("Demo data is already loaded (%(email)s exists); use a fresh database.")
                % {"email": people.ADMIN_EMAIL}
            ) from None
        elapsed = time.monotonic() - started
        self.stdout.write(
            _(
                "Loaded %(incidents)d incidents (%(events)d timeline events, %(comments)d "
                "comments), %(customers)d customers in %(organisations)d organisations "
                "in %(seconds).0f s, seed %(seed)d."
            )
            % {
                "incidents": summary.incidents,
                "events": summary.events,
                "comments": summary.comments,
                "customers": summary.customers,
                "organisations": summary.organisations,
                "seconds": elapsed,
                "seed": seed,
            }
        )
        counts = [f"{status.label}: {summary.statuses[status]}" for status in Status]
        self.stdout.write("  " + _("By status: %(counts)s.") % {"counts": ", ".join(counts)})
        self.stdout.write(
            _("Logins (every customer's password is %(password)s):")
            % {"password": people.PASSWORDS[Role.CUSTOMER]}
        )
        # Columns as wide as their longest entry: role names differ in length by language.
        width = max((len(str(role)) for role, _email, _password in summary.logins), default=0)
        emails = max((len(email) for _role, email, _password in summary.logins), default=0)
        for role, email, password in summary.logins:
            self.stdout.write(f"  {role!s:<{width}}  {email:<{emails}}  {password}")

    def _progress(self, done: int, total: int) -> None:
        if total > builder.CHUNK:
            self.stderr.write(f"{done}/{total}")
