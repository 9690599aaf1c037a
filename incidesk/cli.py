"""The `incidesk` command: this project's manage.py.

Run without arguments (or as `incidesk help`) it lists Incidesk's own commands first, each with
its summary, then Django's; `incidesk --version` prints Incidesk's version, not Django's."""

import os
import sys
import textwrap
from collections import defaultdict

import django
from django.core.management import ManagementUtility, get_commands, load_command_class
from django.utils.translation import gettext as _

from incidesk.core.management.base import version_line


class Utility(ManagementUtility):
    """Django's command-line utility with Incidesk's listing and version."""

    def main_help_text(self, commands_only: bool = False) -> str:
        if commands_only or self.settings_exception is not None:
            return super().main_help_text(commands_only)
        ours, theirs = {}, defaultdict(list)
        for name, app in sorted(get_commands().items()):
            if app.startswith("incidesk."):
                ours[name] = _(load_command_class(app, name).help).splitlines()[0]
            else:
                theirs["django" if app == "django.core" else app.rpartition(".")[-1]].append(name)
        width = max(map(len, ours))
        lines = [
            version_line(),
            _("Help on a command: %(prog)s help <command>.") % {"prog": self.prog_name},
            "",
            _("Incidesk commands:"),
            *(f"  {name:<{width}}  {summary}" for name, summary in ours.items()),
            "",
            _("Commands of Django and its libraries:"),
            *(
                textwrap.fill(
                    f"{app}: {', '.join(names)}", 100, initial_indent="  ", subsequent_indent="    "
                )
                for app, names in sorted(theirs.items())
            ),
        ]
        return "\n".join(lines)

    def execute(self) -> None:
        if self.argv[1:] in (["--version"], ["version"]):  # Django would print its own version
            django.setup()
            sys.stdout.write(version_line() + "\n")
            return
        super().execute()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
    Utility(sys.argv).execute()


if __name__ == "__main__":
    main()
