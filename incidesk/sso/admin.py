from django.contrib import admin

from incidesk.sso.models import Identity


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin[Identity]):
    """Who is linked to which provider's person; made by sign-in, deleted to unlink."""

    list_display = ["user", "provider", "subject", "last_sign_in_at"]
    list_filter = ["provider"]
    search_fields = ["user__email", "subject"]
    readonly_fields = ["user", "provider", "subject", "groups", "created_at", "last_sign_in_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False
