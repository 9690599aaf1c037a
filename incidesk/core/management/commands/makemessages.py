"""`incidesk makemessages`: Django's, able to keep a translation when its msgid moves between
catalogues. Django merges every app's catalogue and the project's into one table, so a Russian
text may live in a catalogue other than the one whose code extracts the msgid (a string moved
from a domain app to console, say); regenerating then drops it there and adds the msgid
untranslated where it is now extracted. With `--compendium`, msgmerge also looks a msgid new to
a catalogue up in every translation the catalogues held before this run, taken in the order
Django reads them (the project's, then Incidesk's apps' in INSTALLED_APPS order; not Django's or
the libraries' own Russian): it gets the words the pages showed."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import makemessages
from django.core.management.utils import popen_wrapper
from django.utils.translation import gettext_noop

from incidesk.core.management.base import IncideskCommand


class Command(IncideskCommand, makemessages.Command):
    help = gettext_noop(
        "Regenerate the translation catalogues (Django's makemessages); with --compendium a "
        "msgid that moved to another catalogue keeps its translation."
    )
    compendia: Path | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--compendium",
            action="store_true",
            help="Give a msgid new to a catalogue the translation another catalogue had.",
        )

    def handle(self, *args: Any, **options: Any) -> str | None:
        if not options["compendium"]:
            return super().handle(*args, **options)
        with TemporaryDirectory() as folder:
            self.compendia = Path(folder)
            try:
                return super().handle(*args, **options)
            finally:
                self.compendia = None

    def write_po_file(self, potfile: str, locale: str) -> None:
        if self.compendia is None:
            return super().write_po_file(potfile, locale)
        own = self.msgmerge_options
        self.msgmerge_options = [*own, f"--compendium={self.compendium(self.compendia, locale)}"]
        try:
            super().write_po_file(potfile, locale)
        finally:
            self.msgmerge_options = own

    def compendium(self, folder: Path, locale: str) -> Path:
        """Every translation of `locale` in this domain, made before the run rewrites the first
        catalogue of the locale; where catalogues differ, the one Django reads first wins."""
        path = folder / f"{self.domain}-{locale}.po"
        if path.exists():
            return path
        roots = [Path(root) for root in settings.LOCALE_PATHS]
        roots += [
            Path(app.path) / "locale"
            for app in apps.get_app_configs()
            if app.name.startswith("incidesk.")
        ]
        catalogues = [
            str(po)
            for root in roots
            if (po := root / locale / "LC_MESSAGES" / f"{self.domain}.po").exists()
        ]
        _, errors, status = popen_wrapper(
            ["msgcat", "--use-first", "--no-location", "-o", str(path), *catalogues]
        )
        if status:
            raise CommandError(f"msgcat could not make the compendium:\n{errors}")
        return path
