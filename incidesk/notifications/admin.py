"""Notifications are a record of who was told what: listed for support, never edited."""

from __future__ import annotations

from django.contrib import admin

from incidesk.incidents.admin import ReadOnlyMixin
from incidesk.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "event", "read_at"]
    list_select_related = ["recipient", "event"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__email", "event__incident__number"]
