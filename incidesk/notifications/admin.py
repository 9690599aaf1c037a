"""Notifications are a record of who was told what: listed for support, never edited.
Preferences are the person's own choice; admins may set them on a person's behalf."""

from __future__ import annotations

from django.contrib import admin

from incidesk.incidents.admin import ReadOnlyMixin
from incidesk.notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "event", "read_at"]
    list_select_related = ["recipient", "event"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__email", "event__incident__number"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "muted_topics"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = ["user__email"]
