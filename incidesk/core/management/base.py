"""What every `incidesk` command shares: help texts argparse can print, and Incidesk's version."""

from __future__ import annotations

from argparse import ArgumentParser, _SubParsersAction
from importlib.metadata import version
from typing import Any

import django
from django.core.management.base import BaseCommand, CommandParser
from django.utils.functional import Promise


def version_line() -> str:
    """What `--version` prints: Incidesk's version, and Django's beside it for bug reports."""
    return f"Incidesk {version('incidesk')} (Django {django.get_version()})"


def plain_help(parser: ArgumentParser) -> None:
    """Turn the lazy translations in `parser` (description, every argument's and sub-command's
    help) into plain strings in the active language: argparse wraps help with `re`, which refuses
    Django's lazy strings, so `--help` would crash."""
    parser.description = _plain(parser.description)
    for action in parser._actions:
        action.help = _plain(action.help)
        if isinstance(action, _SubParsersAction):
            for choice in action._choices_actions:
                choice.help = _plain(choice.help)
            for subparser in action.choices.values():
                plain_help(subparser)


def _plain(text: Any) -> Any:
    return str(text) if isinstance(text, Promise) else text


class IncideskCommand(BaseCommand):
    """The base of the project's commands: declare help with `gettext_lazy` as usual."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        plain_help(parser)
        return parser

    def get_version(self) -> str:
        return version_line()
