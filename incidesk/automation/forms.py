"""The admin's forms: a routing rule's or trigger's conditions as ordinary fields (stored as
the JSON `conditions.matches` reads), tags and languages as lists, with errors in words."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import STAFF_ROLES, Organisation, User
from incidesk.automation.models import AgentAvailability, RoutingRule, Trigger
from incidesk.catalog.models import Category, Service
from incidesk.core.text import clean_line
from incidesk.incidents.models import Channel, Kind
from incidesk.incidents.search import stem_words

MAX_TAG_LENGTH = 50
VIP_CHOICES = [("", _("either")), ("yes", _("VIP only")), ("no", _("not VIP"))]


def _split(text: str) -> list[str]:
    """Comma- or line-separated entries, cleaned, without empties or repeats."""
    parts = (clean_line(part) for part in text.replace("\n", ",").split(","))
    return list(dict.fromkeys(part for part in parts if part))


class ConditionsForm(forms.ModelForm[Any]):
    """Conditions: leave a field empty not to look at it; a field with several values holds
    when the incident has any of them; every filled field must hold. Stored in the model's
    `conditions` JSON."""

    kinds = forms.MultipleChoiceField(
        label=_("kind"), choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("categories"),
        queryset=Category.objects.all(),
        required=False,
        help_text=_("A parent category also matches its subcategories."),
    )
    services = forms.ModelMultipleChoiceField(
        label=_("services"), queryset=Service.objects.all(), required=False
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("organisations"), queryset=Organisation.objects.all(), required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("channel"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.TypedMultipleChoiceField(
        label=_("priority"),
        choices=[(n, f"P{n}") for n in range(1, 6)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("reporter's language"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    words = forms.CharField(
        label=_("words in the title or description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Separated by commas; any one is enough, in any word form (VPN, впн, не работает)."
        ),
    )
    vip = forms.ChoiceField(label=_("reporter"), choices=VIP_CHOICES, required=False)

    CONDITION_FIELDS: ClassVar[dict[str, str]] = {
        "kinds": "kind",
        "categories": "category",
        "services": "service",
        "organisations": "organisation",
        "channels": "channel",
        "priorities": "priority",
        "languages": "language",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        conditions = self.instance.conditions or {}
        for name, key in self.CONDITION_FIELDS.items():
            self.initial.setdefault(name, conditions.get(key, []))
        self.initial.setdefault("words", ", ".join(conditions.get("words", [])))
        if "vip" in conditions:
            self.initial.setdefault("vip", "yes" if conditions["vip"] else "no")

    def clean_words(self) -> list[str]:
        words = _split(self.cleaned_data["words"])
        empty = [word for word in words if not stem_words(word)]
        if empty:
            raise forms.ValidationError(
                _("“%(word)s” has no letters or digits to look for.") % {"word": empty[0]}
            )
        return words

    def clean_priority(self) -> int | None:
        priority: int | None = self.cleaned_data["priority"]
        if priority is not None and not 1 <= priority <= 5:
            raise forms.ValidationError(_("Priority is a number from 1 to 5."))
        return priority

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        conditions: dict[str, Any] = {}
        for name, key in self.CONDITION_FIELDS.items():
            values = data.get(name) or []
            if values:
                conditions[key] = [getattr(v, "pk", v) for v in values]
        if data.get("words"):
            conditions["words"] = data["words"]
        if data.get("vip"):
            conditions["vip"] = data["vip"] == "yes"
        self.instance.conditions = conditions
        return data


class TagsForm(ConditionsForm):
    """Conditions, and tags to add as a list (the model's `tags` JSON)."""

    tag_list = forms.CharField(label=_("tags"), required=False, help_text=_("Separated by commas."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("tag_list", ", ".join(self.instance.tags or []))

    def clean_tag_list(self) -> list[str]:
        tags = _split(self.cleaned_data["tag_list"])
        long = [tag for tag in tags if len(tag) > MAX_TAG_LENGTH]
        if long:
            raise forms.ValidationError(
                _("The tag “%(tag)s” is longer than %(limit)d characters.")
                % {"tag": long[0][:20] + "…", "limit": MAX_TAG_LENGTH}
            )
        return tags

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.instance.tags = data.get("tag_list") or []
        return data


class RoutingRuleForm(TagsForm):
    class Meta:
        model = RoutingRule
        fields = ("name", "order", "is_active", "team", "priority", "continue_matching")


class TriggerForm(TagsForm):
    """A trigger: its event (and, for a state lasting a time, how long), the conditions, and
    what it does (the model's `clean` says when it does nothing, names an unknown placeholder,
    or has a notice without anyone to tell)."""

    class Meta:
        model = Trigger
        fields = (
            "name",
            "order",
            "is_active",
            "event",
            "wait_minutes",
            "business_time",
            "priority",
            "team",
            "assign_to_lead",
            "assignee",
            "watcher",
            "customer_message",
            "notify_agent",
            "notify_team",
            "notice",
        )

    # The form reads top to bottom: the event, the conditions, then the actions.
    field_order = (
        "name",
        "order",
        "is_active",
        "event",
        "wait_minutes",
        "business_time",
        *ConditionsForm.base_fields,
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("assignee", "watcher", "notify_agent"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  a foreign key's field
            field.queryset = _staff()
        self.fields["tag_list"].label = _("add tags")


def _staff() -> Any:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True)


class AgentAvailabilityForm(forms.ModelForm[AgentAvailability]):
    languages = forms.MultipleChoiceField(
        label=_("languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AgentAvailability
        fields = (
            "agent",
            "calendar",
            "away_from",
            "away_until",
            "substitute",
            "categories",
            "services",
            "languages",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("agent", "substitute"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  a foreign key's field
            field.queryset = _staff()
