"""`incidesk token create|revoke --email E`: API tokens for scripts and integrations.

`create` prints the raw token and nothing else on stdout, so `TOKEN=$(incidesk token create ...)`
works; only its hash is stored, so it cannot be shown again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidesk.accounts.models import ApiToken, User
from incidesk.core.management.base import IncideskCommand


class Command(IncideskCommand):
    help = gettext_noop("Create or revoke API tokens of a user.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help=_("Issue a new token and print it once."))
        create.add_argument("--email", required=True)
        revoke = actions.add_parser("revoke", help=_("Delete all tokens of the user."))
        revoke.add_argument("--email", required=True)

    def handle(self, *args: Any, action: str, email: str, **options: Any) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError("--email: " + _("no user with this e-mail."))
        if action == "create":
            if not user.is_active:
                raise CommandError("--email: " + _("the user is deactivated."))
            self.stdout.write(ApiToken.issue(user))
            self.stderr.write(_("Store it now: the token cannot be shown again."))
        else:
            count, _deleted = user.api_tokens.all().delete()
            message = _("Revoked %(count)d token(s) of %(email)s.")
            self.stdout.write(message % {"count": count, "email": user.email})
