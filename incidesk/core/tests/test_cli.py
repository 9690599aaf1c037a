"""An administrator's first minutes with the `incidesk` command: every command's help, the
version, the listing without arguments, and `serve` on a port that is taken."""

import io
import os
import re
import socket
import subprocess
import sys
from argparse import _SubParsersAction
from collections.abc import Iterator
from importlib.metadata import version

import pytest
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.utils import translation
from django.utils.translation import gettext

from incidesk.cli import Utility

LANGUAGES = ["ru", "en"]
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def _ours() -> dict[str, str]:
    """The project's own commands, as Django discovers them: {name: app}."""
    return {name: app for name, app in get_commands().items() if app.startswith("incidesk.")}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _help(parser, args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit:
        parser.parse_args([*args, "--help"])
    assert exit.value.code == 0
    return _flat(capsys.readouterr().out)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_and_subcommand_prints_its_help(language, capsys):
    commands = _ours()
    assert {"serve", "worker", "demo", "createuser", "token", "email", "analytics"} <= set(commands)
    with translation.override(language):
        for name, app in sorted(commands.items()):
            command = load_command_class(app, name)
            parser = command.create_parser("incidesk", name)
            summary = _flat(gettext(command.help))
            assert bool(CYRILLIC.search(summary)) == (language == "ru"), (name, summary)
            assert summary in _help(parser, [], capsys), name
            for action in parser._actions:
                if isinstance(action, _SubParsersAction):
                    for sub in action.choices:
                        assert f"incidesk {name} {sub}" in _help(parser, [sub], capsys)


def _run(*argv: str, capsys) -> str:
    Utility(["incidesk", *argv]).execute()
    return capsys.readouterr().out


def test_version_is_incidesks(capsys):
    expected = f"Incidesk {version('incidesk')} "
    assert _run("--version", capsys=capsys).startswith(expected)
    assert _run("version", capsys=capsys).startswith(expected)
    # Each command's own --version too.
    with pytest.raises(SystemExit):
        load_command_class("incidesk.core", "serve").create_parser("incidesk", "serve").parse_args(
            ["--version"]
        )
    assert capsys.readouterr().out.startswith(expected)


@pytest.mark.parametrize(
    ("language", "ours", "theirs"),
    [
        ("ru", "Команды Incidesk:", "Команды Django и его библиотек:"),
        ("en", "Incidesk commands:", "Commands of Django and its libraries:"),
    ],
)
def test_without_arguments_our_commands_come_first_with_their_summaries(
    language, ours, theirs, capsys
):
    with translation.override(language):
        lines = _run(capsys=capsys).splitlines()
        summaries = {
            name: gettext(load_command_class(app, name).help) for name, app in _ours().items()
        }
    start, end = lines.index(ours), lines.index(theirs)
    listed = [line.split(maxsplit=1) for line in lines[start + 1 : end] if line.strip()]
    assert [name for name, _summary in listed] == sorted(summaries)
    assert {name: summary for name, summary in listed} == summaries
    rest = "\n".join(lines[end:])
    assert "migrate" in rest and "createsuperuser" in rest
    assert not any(f" {name}," in rest or rest.endswith(f" {name}") for name in summaries)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something really listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", "уже занят"), ("en", "is already in use")],
)
def test_serve_on_a_busy_port_says_so_and_starts_nothing(busy_port, language, words, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "one key for every node")  # PostgreSQL asks for it first
    out = io.StringIO()
    with translation.override(language), pytest.raises(CommandError) as refusal:
        call_command("serve", "--web", "--no-migrate", "--port", str(busy_port), stdout=out)
    message = str(refusal.value)
    assert words in message and str(busy_port) in message and "--port" in message
    assert out.getvalue() == ""  # no child started, no "Serving on"


@pytest.mark.slow
def test_serve_on_a_busy_port_exits_with_an_error(busy_port, tmp_path):
    env = {**os.environ, "INCIDESK_DATA_DIR": str(tmp_path), "LANGUAGE_CODE": "en"}
    env["SECRET_KEY"] = "one key for every node"
    port = str(busy_port)
    done = subprocess.run(
        [sys.executable, "-m", "incidesk.cli", "serve", "--web", "--no-migrate", "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert f"Port {busy_port} on 127.0.0.1 is already in use" in done.stderr
    assert "Serving on" not in done.stdout and "pid" not in done.stdout
    assert "gunicorn" not in done.stderr.lower()
