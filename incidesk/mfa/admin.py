"""The admin shows resets and does them (an action on people, in `accounts.admin`); django-otp's
own device pages are taken out, so that a device cannot be removed without the reset's record,
and a secret cannot be read back."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidesk.mfa.models import SecondFactorReset

# django-otp's static device is no longer used (recovery codes are `RecoveryCodeDevice`, which
# has no admin page), but its app stays installed for its table and the migration that emptied it.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(SecondFactorReset)
class SecondFactorResetAdmin(admin.ModelAdmin[SecondFactorReset]):
    list_display = ["at", "user", "reset_by"]
    list_select_related = ["user", "reset_by"]
    search_fields = ["user__email", "reset_by__email"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: SecondFactorReset | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: SecondFactorReset | None = None
    ) -> bool:
        return False
