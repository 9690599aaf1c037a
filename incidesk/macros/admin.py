"""Macros in the Django admin (admins only): every macro, personal ones included, validated by
the model's `clean` like the console's form (unknown placeholders are refused by name)."""

from __future__ import annotations

from django.contrib import admin

from incidesk.macros.models import Macro


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin[Macro]):
    list_display = ["name", "scope", "for_team", "owner", "reply_visibility", "verb", "updated_at"]
    list_filter = ["scope", "verb", ("for_team", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["for_team", "owner"]
    search_fields = ["name", "reply_ru", "reply_en"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]
