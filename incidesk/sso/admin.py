"""Single sign-on in the admin: every linked provider person, and on a person's page the
providers they sign in through (deleting one unlinks it; the next sign-in links again only
through a verified e-mail)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from incidesk.accounts.models import User
from incidesk.directory.admin import DirectoryUserAdmin
from incidesk.sso.models import Identity

READ_ONLY = ("provider", "subject", "groups", "created_at", "last_sign_in_at")


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin[Identity]):
    """Who is linked to which provider's person; made by sign-in, deleted to unlink."""

    list_display = ["user", "provider", "subject", "last_sign_in_at"]
    list_filter = ["provider"]
    list_select_related = ["user"]
    search_fields = ["user__email", "subject"]
    readonly_fields = ["user", *READ_ONLY]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class IdentityInline(admin.TabularInline[Identity, User]):
    model = Identity
    extra = 0
    fields = READ_ONLY
    readonly_fields = READ_ONLY

    def has_add_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class SsoUserAdmin(DirectoryUserAdmin):
    """The accounts' admin (with the directory's part), plus the person's single sign-on
    identities where they have some."""

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list[type]:
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and Identity.objects.filter(user=obj).exists():
            inlines.append(IdentityInline)
        return inlines
