"""Reference data is edited here. Entries are deactivated rather than deleted: incidents keep
pointing at them, and reports must keep their meaning."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from incidesk.catalog.models import (
    Category,
    Cause,
    HoldReason,
    PriorityRule,
    ReferenceEntry,
    ResolutionCode,
    Service,
)


class ReferenceEntryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_en", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_ru", "name_en"]

    def has_delete_permission(self, request: HttpRequest, obj: ReferenceEntry | None = None):
        return False


class TreeEntryAdmin(ReferenceEntryAdmin):
    """Two-level vocabularies: a parent must itself be top-level."""

    list_display = ["code", "name_ru", "name_en", "parent", "is_active", "position"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = self.model.objects.filter(parent=None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Category)
class CategoryAdmin(TreeEntryAdmin):
    pass


@admin.register(Cause)
class CauseAdmin(TreeEntryAdmin):
    pass


@admin.register(Service, ResolutionCode, HoldReason)
class FlatEntryAdmin(ReferenceEntryAdmin):
    pass


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]
    list_filter = ["impact", "urgency"]
    ordering = ["id"]  # the seeded matrix order: high/high first
