"""The console's availability forms: an agent's own absence, and a lead's view of an agent
(working hours, absence, skills). The model's `clean` checks what the admin's form checks too
(an absence ends after it begins, nobody stands in for themself); these add what only a form
can say in words: an absence needs its start, and a substitute must share a team with the
agent, or assignment could never give them the agent's turns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import STAFF_ROLES, Team, User
from incidesk.automation.models import AgentAvailability


def _moment() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AwayForm(forms.ModelForm[AgentAvailability]):
    """Out of office: from, until (empty: until further notice) and who stands in."""

    class Meta:
        model = AgentAvailability
        fields: tuple[str, ...] = ("away_from", "away_until", "substitute")
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "away_from": _moment(),
            "away_until": _moment(),
        }
        help_texts = {
            "away_until": _("Empty: until further notice."),
            "substitute": _(
                "A colleague from one of the agent's teams who takes their turns meanwhile."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["substitute"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  a foreign key's field
        field.queryset = User.objects.filter(role__in=STAFF_ROLES, is_active=True).exclude(
            pk=self.instance.agent_id
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        begins, substitute = cleaned.get("away_from"), cleaned.get("substitute")
        if cleaned.get("away_until") and not begins:
            self.add_error("away_from", _("Say when the absence begins."))
        if substitute is not None and not begins:
            self.add_error(
                "substitute", _("A substitute stands in during an absence: say when it begins.")
            )
        elif (
            substitute is not None
            and not Team.objects.filter(members=self.instance.agent_id)
            .filter(members=substitute)
            .exists()
        ):
            self.add_error(
                "substitute",
                _(
                    "%(name)s is in none of this agent's teams, so they could not take the "
                    "agent's incidents."
                )
                % {"name": substitute.display_name},
            )
        return cleaned


class AgentForm(AwayForm):
    """What a lead sets for an agent of their team: working hours, absence and skills."""

    languages = forms.MultipleChoiceField(
        label=_("languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta(AwayForm.Meta):
        fields = (
            "calendar",
            "away_from",
            "away_until",
            "substitute",
            "categories",
            "services",
            "languages",
        )
        widgets = {
            **AwayForm.Meta.widgets,
            "categories": forms.CheckboxSelectMultiple,
            "services": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            **AwayForm.Meta.help_texts,
            "calendar": _("Empty: the team's working hours."),
            "categories": _("For assignment by skills; a parent category covers its children."),
        }
