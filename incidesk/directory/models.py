"""What Incidesk keeps about the directory: how its groups map to roles and teams, and which
local account each directory person is."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Role, Team


def normalise_dn(dn: str) -> str:
    """The form DNs are compared in: lower case, no spaces around `,`, `=` and `+`.

    Directories compare DNs case-insensitively and servers write them with varying spaces, so
    "CN=Desk Admins, OU=Groups,DC=corp" and "cn=desk admins,ou=groups,dc=corp" are one group."""
    return re.sub(r"\s*([,=+])\s*", r"\1", dn.strip()).lower()


class GroupMapping(models.Model):
    """A directory group that gives its members (nested members too) a role and, optionally, a
    team. A person in several mapped groups gets the most privileged role among them and every
    team they name; with equal roles the first in order is the one shown as the reason. Teams
    named by some mapping are the directory's to manage: a person leaves them when no longer in
    the group; membership of other teams is left to the admins."""

    position = models.PositiveIntegerField(_("order"), default=0)
    group_dn = models.CharField(_("group DN"), max_length=500)
    role = models.CharField(_("role"), max_length=16, choices=Role)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="group_mappings",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("directory group mapping")
        verbose_name_plural = _("directory group mappings")

    def __str__(self) -> str:
        team = f" + {self.team}" if self.team_id else ""
        return f"{self.group_dn} → {self.get_role_display()}{team}"

    def save(self, *args, **kwargs) -> None:
        self.group_dn = normalise_dn(self.group_dn)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.group_dn = normalise_dn(self.group_dn)


class DirectoryAccount(models.Model):
    """The directory person behind a local account, as last read at sign-in or sync.

    `local_override` is the admin's pin: sign-in and sync then leave the role and teams as set
    here (names, e-mail, phone and department are still copied). `left_at` is set when sync
    deactivated the person because they left the directory or were disabled there; only such a
    deactivation is undone when they come back, never an admin's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="directory_account",
    )
    dn = models.CharField(_("DN"), max_length=500)
    uid = models.CharField(_("directory ID"), max_length=64, blank=True, db_index=True)
    login = models.CharField(_("login"), max_length=256, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    groups = models.JSONField(_("directory groups"), default=list, blank=True)
    local_override = models.BooleanField(
        _("keep the local role and teams"),
        default=False,
        help_text=_("Sign-in and sync will not change this person's role and teams."),
    )
    synced_at = models.DateTimeField(_("last read from the directory"))
    left_at = models.DateTimeField(_("left the directory"), null=True, blank=True)

    class Meta:
        verbose_name = _("directory account")
        verbose_name_plural = _("directory accounts")

    def __str__(self) -> str:
        return self.dn
