"""Every command of the project prints its help. argparse formats the texts itself (wrapping,
`%` expansion), so a lazily translated one (`gettext_lazy`) made `--help` crash; mypy found it
(argparse wants `str`)."""

import pytest
from django.core.management import ManagementUtility, get_commands


def test_every_command_prints_its_help(capsys):
    names = sorted(name for name, app in get_commands().items() if app.startswith("incidesk."))
    assert {"createuser", "token", "serve", "worker", "email", "demo", "analytics"} <= set(names)
    for name in names:
        with pytest.raises(SystemExit) as exited:
            ManagementUtility(["incidesk", name, "--help"]).execute()
        assert exited.value.code == 0, name
        out = capsys.readouterr().out
        assert out.startswith(f"usage: incidesk {name}"), name
