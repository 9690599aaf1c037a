"""Incidents in the Django admin: look, never touch.

Every change to an incident goes through `incidents.actions` (state machine, rights, timeline,
notifications), which a model form would bypass; so the admin can list, search and open
incidents but has no add, change or delete. The timeline is append-only everywhere.
"""

from __future__ import annotations

import re

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from incidesk.incidents.models import Attachment, Comment, Incident, Merge, TimelineEvent

INCIDENT_NUMBER = re.compile(r"[A-Z]+-\d+")


class ReadOnlyMixin:
    """View permission only; the admin shows every field as text."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class CommentInline(ReadOnlyMixin, admin.TabularInline[Comment, Incident]):
    model = Comment
    fk_name = "incident"
    fields = ["created_at", "author", "visibility", "body"]
    extra = 0


class AttachmentInline(ReadOnlyMixin, admin.TabularInline[Attachment, Incident]):
    model = Attachment
    fk_name = "incident"
    fields = ["created_at", "original_name", "content_type", "size", "visibility", "uploaded_by"]
    extra = 0


class TimelineEventInline(ReadOnlyMixin, admin.TabularInline[TimelineEvent, Incident]):
    model = TimelineEvent
    fields = ["at", "kind", "actor", "is_public", "data"]
    extra = 0


@admin.register(Incident)
class IncidentAdmin(ReadOnlyMixin, admin.ModelAdmin[Incident]):
    list_display = ["number", "title", "status", "priority", "team", "assignee", "created_at"]
    list_select_related = ["team", "assignee"]
    list_filter = ["status", "priority", "kind"]
    search_fields = ["number", "title"]
    inlines = [CommentInline, AttachmentInline, TimelineEventInline]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Incident], search_term: str
    ) -> tuple[QuerySet[Incident], bool]:
        """A whole number is looked up by the unique index, not by scanning every title."""
        number = search_term.strip().upper()
        if INCIDENT_NUMBER.fullmatch(number):
            return queryset.filter(number=number), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyMixin, admin.ModelAdmin[TimelineEvent]):
    """The audit trail across all incidents, e.g. every priority override of the month."""

    list_display = ["at", "incident", "kind", "actor", "is_public"]
    list_select_related = ["incident", "actor"]
    list_filter = ["kind", "is_public"]
    search_fields = ["incident__number"]
    ordering = ["-id"]  # newest first without sorting the whole table: ids grow with time


@admin.register(Merge)
class MergeAdmin(ReadOnlyMixin, admin.ModelAdmin[Merge]):
    """Every merge, what it moved and whether it was undone: the record beside the timeline."""

    list_display = ["at", "source", "target", "actor", "undone_at"]
    list_select_related = ["source", "target", "actor"]
    search_fields = ["source__number", "target__number"]
    ordering = ["-id"]
