"""Routing rules, triggers, teams' assignment modes and agents' availability in the Django
admin; leads edit rules and triggers in the console too (`automation.views`, with the same
forms). Decisions are not editable anywhere: they are a record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incidesk.automation.forms import AgentAvailabilityForm, RoutingRuleForm, TriggerForm
from incidesk.automation.models import AgentAvailability, RoutingRule, TeamAssignment, Trigger

if TYPE_CHECKING:  # names of the stubs only
    from django.contrib.admin.options import _FieldOpts
    from django.utils.functional import _StrPromise

CONDITIONS: tuple[str | _StrPromise, _FieldOpts] = (
    _("Conditions"),
    {
        "fields": (
            "kinds",
            "categories",
            "services",
            "organisations",
            "channels",
            "priorities",
            "languages",
            "words",
            "vip",
        )
    },
)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    form = RoutingRuleForm
    list_display = ("order", "name", "is_active", "team", "priority", "continue_matching")
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "team")
    fieldsets = (
        (None, {"fields": ("name", "order", "is_active")}),
        CONDITIONS,
        (_("Actions"), {"fields": ("team", "priority", "tag_list", "continue_matching")}),
    )


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin[Trigger]):
    form = TriggerForm
    list_display = ("order", "name", "is_active", "event", "team", "assign_to_lead", "priority")
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "event")
    fieldsets = (
        (
            None,
            {"fields": ("name", "order", "is_active", "event", "wait_minutes", "business_time")},
        ),
        CONDITIONS,
        (
            _("Actions"),
            {
                "fields": (
                    "priority",
                    "team",
                    "assign_to_lead",
                    "assignee",
                    "tag_list",
                    "watcher",
                    "customer_message",
                    "notify_agent",
                    "notify_team",
                    "notice",
                )
            },
        ),
    )


@admin.register(TeamAssignment)
class TeamAssignmentAdmin(admin.ModelAdmin[TeamAssignment]):
    list_display = ("team", "mode", "calendar", "last_agent")
    readonly_fields = ("last_agent",)


@admin.register(AgentAvailability)
class AgentAvailabilityAdmin(admin.ModelAdmin[AgentAvailability]):
    form = AgentAvailabilityForm
    list_display = ("agent", "calendar", "away_from", "away_until", "substitute")
    filter_horizontal = ("categories", "services")
