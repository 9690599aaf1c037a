"""`incidesk createuser`: add a user of any role from scripts and provisioning.

A team or organisation that does not exist yet is created, so one command sets up a new agent
in a new team. Without --password the user cannot log in with a password until one is set.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidesk.accounts.models import Organisation, Role, Team, User
from incidesk.core.management.base import IncideskCommand

# Team codes are ASCII slugs (the API and scripts use them), team names are usually Russian.
_CYRILLIC_TO_LATIN = str.maketrans(
    {
        **dict(zip("абвгдеёзийклмнопрстуфыэ", "abvgdeeziiklmnoprstufye", strict=True)),
        "ж": "zh",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ю": "yu",
        "я": "ya",
        "ъ": "",
        "ь": "",
    }
)


def team_code(name: str) -> str:
    return slugify(name.lower().translate(_CYRILLIC_TO_LATIN))[:40].strip("-") or "team"


def field_error(option: str, reason: object) -> CommandError:
    """An error that names the option at fault, so a failing script says what to fix."""
    return CommandError(f"--{option}: {reason}")


class Command(IncideskCommand):
    help = gettext_noop("Create a user (customer, agent, lead or admin).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help=_("Full name."))
        parser.add_argument(
            "--team", help=_("Staff: team code or name; a missing team is created.")
        )
        parser.add_argument(
            "--organisation", help=_("Customers: organisation name; created if missing.")
        )
        parser.add_argument("--password", help=_("Without it the password is unusable."))

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        role = Role(options["role"])
        try:
            validate_email(email)
        except ValidationError:
            reason = _("“%(email)s” is not an e-mail address.") % {"email": email}
            raise field_error("email", reason) from None
        if User.objects.filter(email__iexact=email).exists():
            raise field_error("email", _("a user with this e-mail already exists."))
        if options["team"] and role == Role.CUSTOMER:
            raise field_error("team", _("customers do not belong to teams."))
        if options["organisation"] and role != Role.CUSTOMER:
            raise field_error("organisation", _("only customers belong to an organisation."))

        user = User(email=email, full_name=options["name"].strip(), role=role)
        if options["organisation"]:
            user.organisation, _created = Organisation.objects.get_or_create(
                name=options["organisation"].strip()
            )
        if options["password"] is None:
            user.set_unusable_password()
        else:
            try:
                validate_password(options["password"], user)
            except ValidationError as error:
                raise field_error("password", " ".join(error.messages)) from None
            user.set_password(options["password"])
        user.save()

        team = self._join_team(user, options["team"].strip()) if options["team"] else None
        self.stdout.write(
            _("Created %(role)s %(email)s%(team)s.")
            % {
                "role": role.label.lower(),
                "email": email,
                "team": f" ({team.name})" if team else "",
            }
        )

    def _join_team(self, user: User, team_ref: str) -> Team:
        """Add `user` to the team named or coded `team_ref`; a lead leads it if it has none."""
        team = Team.objects.filter(Q(code=team_ref) | Q(name__iexact=team_ref)).first()
        if team is None:
            base = code = team_code(team_ref)
            suffix = 1
            while Team.objects.filter(code=code).exists():
                suffix += 1
                code = f"{base}-{suffix}"
            team = Team.objects.create(name=team_ref, code=code)
            self.stdout.write(
                _("Created team %(name)s (%(code)s).") % {"name": team_ref, "code": code}
            )
        team.members.add(user)
        if user.role == Role.LEAD and team.lead_id is None:
            team.lead = user
            team.save(update_fields=["lead"])
        return team
