"""What every `incidesk` command shares: help in the active language, and Incidesk's version."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import django
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext


def version_line() -> str:
    """What `--version` prints: Incidesk's version, and Django's beside it for bug reports."""
    return f"Incidesk {version('incidesk')} (Django {django.get_version()})"


class IncideskCommand(BaseCommand):
    """The base of the project's commands. `help` is marked with `gettext_noop` (a class attribute
    is read before any language is chosen) and translated here, when the parser is made; the
    arguments' help, written in `add_arguments`, is translated with plain `gettext` then too:
    argparse refuses Django's lazy strings."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = gettext(self.help) if self.help else None
        return parser

    def get_version(self) -> str:
        return version_line()
