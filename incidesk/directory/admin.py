"""The directory in the admin: the group mapping (ordered, editable) and, on each person's page,
what the directory says about them, which mappings gave their role and teams, and the pin that
keeps a local role and teams through sign-in and sync."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.admin import UserAdmin
from incidesk.accounts.models import Role, User
from incidesk.directory.mapping import decide, load_mappings
from incidesk.directory.models import DirectoryAccount, GroupMapping


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    list_display = ["group_dn", "position", "role", "team"]
    list_editable = ["position"]
    list_select_related = ["team"]
    list_filter = ["role"]
    search_fields = ["group_dn"]


class DirectoryAccountInline(admin.StackedInline):
    model = DirectoryAccount
    extra = 0
    max_num = 1
    can_delete = False
    # Only the admin's pin is editable; the rest is what the directory said.
    readonly_fields = ["access", "dn", "login", "department", "group_list", "synced_at", "left_at"]
    fields = ["local_override", *readonly_fields]

    def has_add_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    @admin.display(description=_("directory groups"))
    def group_list(self, account: DirectoryAccount) -> str:
        return format_html_join("", "<div>{}</div>", ((group,) for group in account.groups))

    @admin.display(description=_("from the directory's groups"))
    def access(self, account: DirectoryAccount) -> str:
        """The role and teams the mapping gives, and which mappings gave them."""
        result = decide(account.groups, load_mappings())
        rows = format_html_join(
            "",
            "<li>{} → {}{}</li>",
            (
                (m.group_dn, m.get_role_display(), f" + {m.team}" if m.team_id else "")
                for m in result.matched
            ),
        )
        teams = ", ".join(sorted(m.team.name for m in result.matched if m.team is not None)) or "—"
        reason = result.role_reason
        return format_html(
            "<div>{}: {}{}; {}: {}</div><ul>{}</ul>",
            _("role"),
            Role(result.role).label,
            f" ({reason.group_dn})" if reason else "",
            _("teams"),
            teams,
            rows,
        )


admin.site.unregister(User)


@admin.register(User)
class DirectoryUserAdmin(UserAdmin):
    """The accounts' admin, with the directory's part on the page of a person the directory
    knows (only there: a local account's form stays exactly as the accounts app made it)."""

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list[type]:
        if obj is not None and DirectoryAccount.objects.filter(user=obj).exists():
            return [DirectoryAccountInline]
        return []
