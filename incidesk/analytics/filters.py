"""What a report is about: a period and the dimensions to narrow it, parsed once for the
dashboard, the API and the exports (the same form, so the same rules and messages)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import STAFF_ROLES, Organisation, Team, User
from incidesk.catalog.models import Category, Cause, Service
from incidesk.core.errors import InvalidInput
from incidesk.fields import definitions
from incidesk.fields.models import FieldType
from incidesk.incidents.models import Channel, Kind
from incidesk.web.forms import BootstrapForm, TreeChoiceField

DEFAULT_DAYS = 30
MAX_DAYS = 3660
BUCKETS = ("day", "week", "month")
# Custom field types a report groups by (a few values each).
GROUPABLE = frozenset({FieldType.CHOICE, FieldType.CHOICES, FieldType.BOOLEAN})


@dataclass(frozen=True)
class ReportFilter:
    """A period of local dates (both included) in `zone`, and optional dimensions."""

    start: date
    end: date
    zone: ZoneInfo
    bucket: str = "day"
    team: Team | None = None
    agent: User | None = None
    organisation: Organisation | None = None
    category: Category | None = None
    service: Service | None = None
    cause: Cause | None = None
    priority: tuple[int, ...] = ()
    kind: str = ""
    channel: str = ""
    group_by: str = ""  # a custom field's code (`analytics.bycustom`)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, self.zone)

    @property
    def until(self) -> datetime:
        """The end of the period, exclusive: midnight after its last day."""
        return datetime.combine(self.end + timedelta(days=1), time.min, self.zone)

    def q(self) -> Q:
        """The dimension filters on Incident (the period is applied per KPI)."""
        rule = Q()
        if self.team:
            rule &= Q(team_id=self.team.pk)
        if self.agent:
            rule &= Q(assignee_id=self.agent.pk)
        if self.organisation:
            rule &= Q(organisation_id=self.organisation.pk)
        if self.category:
            rule &= Q(category_id__in=_tree(Category, self.category))
        if self.service:
            rule &= Q(service_id=self.service.pk)
        if self.cause:
            rule &= Q(cause_id__in=_tree(Cause, self.cause))
        if self.priority:
            rule &= Q(priority__in=self.priority)
        if self.kind:
            rule &= Q(kind=self.kind)
        if self.channel:
            rule &= Q(channel=self.channel)
        return rule

    def params(self) -> dict[str, Any]:
        """The filter as query parameters (links to charts and exports)."""
        values: dict[str, Any] = {
            "date_from": self.start.isoformat(),
            "date_to": self.end.isoformat(),
            "bucket": self.bucket,
            "team": self.team.code if self.team else "",
            "agent": self.agent.email if self.agent else "",
            "organisation": self.organisation.pk if self.organisation else "",
            "category": self.category.code if self.category else "",
            "service": self.service.code if self.service else "",
            "cause": self.cause.code if self.cause else "",
            "priority": list(self.priority),
            "kind": self.kind,
            "channel": self.channel,
            "group_by": self.group_by,
        }
        return {k: v for k, v in values.items() if v not in ("", [])}

    def drilldown(self, **narrower: Any) -> dict[str, Any]:
        """Query parameters of the console queue listing the incidents behind a number: the
        dimensions of this filter, the period as creation dates, then `narrower`."""
        values: dict[str, Any] = {
            "created_from": self.start.isoformat(),
            "created_to": self.end.isoformat(),
            "team": self.team.code if self.team else "",
            "assignee": self.agent.email if self.agent else "",
            "organisation": self.organisation.pk if self.organisation else "",
            "category": self.category.code if self.category else "",
            "service": self.service.code if self.service else "",
            "cause": self.cause.code if self.cause else "",
            "priority": ",".join(map(str, self.priority)),
            "kind": self.kind,
            "channel": self.channel,
            **narrower,
        }
        return {k: v for k, v in values.items() if v not in ("", None)}


def _tree(model: type[Category] | type[Cause], entry: Category | Cause) -> list[int]:
    """The entry and its children: a top-level category or cause covers its sub-entries."""
    return [entry.pk, *model.objects.filter(parent=entry).values_list("pk", flat=True)]


def _groupable() -> list[tuple[str, str]]:
    """The active custom fields a report can group by: one value, several values, yes/no."""
    return [
        ("", "—"),
        *((d.code, d.label) for d in definitions.current().all if d.active and d.type in GROUPABLE),
    ]


class FilterForm(BootstrapForm, forms.Form):
    """The report filter as the dashboard shows it and the API and exports read it."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    bucket = forms.ChoiceField(
        label=_("Trend by"),
        required=False,
        choices=[("day", _("day")), ("week", _("week")), ("month", _("month"))],
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.all(), to_field_name="code"
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"),
        required=False,
        queryset=User.objects.filter(role__in=STAFF_ROLES).order_by("full_name", "email"),
        to_field_name="email",
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), required=False, queryset=Organisation.objects.all()
    )
    category = TreeChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.select_related("parent"),
        to_field_name="code",
        empty_label=_("All categories"),
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.all(), to_field_name="code"
    )
    cause = TreeChoiceField(
        label=_("Cause"),
        required=False,
        queryset=Cause.objects.select_related("parent"),
        to_field_name="code",
        empty_label=_("All causes"),
    )
    priority = forms.TypedMultipleChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        choices=[(p, f"P{p}") for p in range(1, 6)],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—"), *Kind.choices])
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", "—"), *Channel.choices]
    )
    # Choices read when the select is drawn or a value is checked: no query for a report
    # without a grouping.
    group_by = forms.ChoiceField(label=_("Group by field"), required=False, choices=_groupable)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Drawing the select reads its choices more than once: read the definitions once.
        self.fields["group_by"].choices = functools.cache(_groupable)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error("date_to", _("The period is at most ten years long."))
        return data

    def report_filter(self, zone: ZoneInfo) -> ReportFilter:
        """The valid form as a filter; an open end is today, an open start 30 days before."""
        data = self.cleaned_data
        end = data.get("date_to") or timezone.now().astimezone(zone).date()
        start = data.get("date_from") or end - timedelta(days=DEFAULT_DAYS - 1)
        return ReportFilter(
            start=start,
            end=end,
            zone=zone,
            bucket=data.get("bucket") or "day",
            team=data.get("team"),
            agent=data.get("agent"),
            organisation=data.get("organisation"),
            category=data.get("category"),
            service=data.get("service"),
            cause=data.get("cause"),
            priority=tuple(sorted(set(data.get("priority") or ()))),
            kind=data.get("kind") or "",
            channel=data.get("channel") or "",
            group_by=data.get("group_by") or "",
        )


def user_zone(user: User) -> ZoneInfo:
    """Periods and trend buckets are the viewer's local days."""
    try:
        return ZoneInfo(user.time_zone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def parse(user: User, data: QueryDict) -> ReportFilter:
    """The filter from request parameters; bad values are InvalidInput naming the fields."""
    form = FilterForm(data)
    if not form.is_valid():
        fields = {name: " ".join(errors) for name, errors in form.errors.items()}
        raise InvalidInput(next(iter(fields.values())), fields=fields)
    return form.report_filter(user_zone(user))
