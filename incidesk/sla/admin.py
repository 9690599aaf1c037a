"""Business calendars: weekly hours and dated exceptions edited on one page. Calendars are
reference entries: deactivated, never deleted."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.contrib import admin, messages
from django.db.models import Field
from django.http import HttpRequest, HttpResponse

from incidesk.catalog.admin import ReferenceEntryAdmin
from incidesk.incidents.admin import ReadOnlyMixin
from incidesk.sla.checks import calendars_missing_next_year, missing_year_message
from incidesk.sla.models import (
    BusinessCalendar,
    CalendarException,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    WorkingInterval,
)


def _zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(available_timezones())]


class WorkingIntervalInline(admin.TabularInline[WorkingInterval, BusinessCalendar]):
    model = WorkingInterval
    extra = 0


class CalendarExceptionInline(admin.TabularInline[CalendarException, BusinessCalendar]):
    model = CalendarException
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ReferenceEntryAdmin):
    list_display = ["code", "name_ru", "name_en", "time_zone", "always_open", "is_active"]
    list_editable = ["is_active"]
    inlines = [WorkingIntervalInline, CalendarExceptionInline]

    def formfield_for_dbfield(
        self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "time_zone":  # free text would fail only at the first deadline
            return forms.ChoiceField(
                choices=_zone_choices, initial=db_field.default, label=db_field.verbose_name
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":  # a POST redirects here: warn once
            for calendar in calendars_missing_next_year():
                messages.warning(request, missing_year_message(calendar))
        return super().changelist_view(request, extra_context)


class SlaTargetInline(admin.TabularInline[SlaTarget, SlaPolicy]):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    """Targets per priority edited on the policy's page. A change applies to incidents registered
    afterwards and to clocks re-targeted by a priority change."""

    list_display = ["name", "organisation", "service", "kind", "is_active"]
    list_filter = ["is_active"]
    filter_horizontal = ["pausing_hold_reasons"]
    inlines = [SlaTargetInline]


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyMixin, admin.ModelAdmin[SlaClock]):
    """Clocks are written by the actions layer only: shown here for inspection."""

    list_display = ["incident", "metric", "state", "due_at", "breached_at", "stopped_at"]
    list_filter = ["metric", "state"]
    list_select_related = ["incident"]
    search_fields = ["incident__number"]
