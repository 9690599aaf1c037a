"""`incidesk ldap sync [--apply] [--force]`: people from the directory ahead of their first
sign-in.

Without `--apply` it only shows the difference (a dry run, safe to run any time). With
`--apply` it writes it, unless it would deactivate more than INCIDESK_LDAP_SYNC_MAX_DEACTIVATE
per cent (default 10) of the active directory people: then it refuses, and `--force` is needed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidesk.core.management.base import IncideskCommand
from incidesk.directory.sync import Plan, apply_plan, make_plan


class Command(IncideskCommand):
    help = gettext_noop("Synchronise people with the LDAP directory.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        sync = actions.add_parser("sync", help=_("Show the difference; with --apply, write it."))
        sync.add_argument("--apply", action="store_true", help=_("Write the changes."))
        sync.add_argument(
            "--force",
            action="store_true",
            help=_("Apply even a deactivation above the allowed share."),
        )
        sync.add_argument(
            "--max-deactivate",
            type=float,
            default=None,
            help=_("Per cent of active people a sync may deactivate (default: %(d)s).")
            % {"d": "INCIDESK_LDAP_SYNC_MAX_DEACTIVATE"},
        )

    def handle(self, *args, action: str, **options) -> None:
        conf = settings.INCIDESK_LDAP
        if not conf:
            raise CommandError(_("LDAP is not configured: set INCIDESK_LDAP_URI."))
        import ldap

        from incidesk.directory.connection import read_people

        try:
            people = read_people(conf)
        except ldap.LDAPError as error:
            # Nothing is written after a failed read: it would look as if everybody left.
            detail = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
            reason = " ".join(str(detail.get(k, "")) for k in ("desc", "info")).strip()
            message = _("The directory could not be read: %(error)s") % {"error": reason or error}
            raise CommandError(message) from error
        result = make_plan(people)
        self._show(result)
        limit = options["max_deactivate"]
        limit = conf["sync_max_deactivate"] if limit is None else limit
        too_many = result.deactivate_share > limit
        if too_many:
            message = _(
                "This would deactivate %(count)d of %(active)d active people (%(share).0f%%), "
                "more than the %(limit)g%% allowed."
            ) % {
                "count": len(result.deactivate),
                "active": result.active,
                "share": result.deactivate_share,
                "limit": limit,
            }
            if options["apply"] and not options["force"]:
                raise CommandError(
                    message + " " + _("Check the directory settings, or use --force.")
                )
            self.stderr.write(message)
        if not options["apply"]:
            self.stdout.write(_("Dry run: nothing was changed. Use --apply to write this."))
            return
        apply_plan(result)
        self.stdout.write(
            _("Done: %(new)d new, %(changed)d changed, %(gone)d deactivated.")
            % {
                "new": len(result.new),
                "changed": len(result.changed),
                "gone": len(result.deactivate),
            }
        )

    def _show(self, result: Plan) -> None:
        write = self.stdout.write
        write(_("New (%(count)d):") % {"count": len(result.new)})
        for update in result.new:
            person = update.person
            write(f"  + {person.email}  {person.full_name}  [{update.access.role}]")
        write(_("Changed (%(count)d):") % {"count": len(result.changed)})
        for update in result.changed:
            write(f"  ~ {update.person.email}")
            if update.reactivate:
                write("      " + _("active again (back in the directory)"))
            for name, (old, new) in update.changes.items():
                write(f"      {name}: {old!r} → {new!r}")
            if update.pinned:
                write("      " + _("role and teams pinned locally: left as they are"))
        write(
            _("To deactivate (%(count)d of %(active)d active):")
            % {"count": len(result.deactivate), "active": result.active}
        )
        for user in result.deactivate:
            write(f"  - {user.email}  {user.full_name}")
        for update in result.conflicts:
            write(f"  ! {update.person.dn}: {update.conflict}")
        if result.without_email:
            write(
                _("Skipped %(count)d entries without an e-mail address.")
                % {"count": result.without_email}
            )
