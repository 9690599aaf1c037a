"""The console's own forms beside the admin's rule form (`forms.RoutingRuleForm`, which the
console reuses, so a rule is validated one way wherever it is edited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Team
from incidesk.automation.models import AssignmentMode, TeamAssignment
from incidesk.automation.simulator import DEFAULT_DAYS, MAX_DAYS


class SimulateForm(forms.Form):
    """How far back the simulator looks."""

    days = forms.IntegerField(
        label=_("days back"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=_("The incidents registered in these last days, at most 5,000, newest first."),
    )


class TeamModesForm(forms.Form):
    """One choice per team: how its new incidents get an agent."""

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = teams
        self.existing = {
            config.team_id: config
            for config in TeamAssignment.objects.filter(team__in=[team.pk for team in teams])
        }
        modes = {team_id: config.mode for team_id, config in self.existing.items()}
        for team in teams:
            self.fields[f"team_{team.pk}"] = forms.ChoiceField(
                label=team.name,
                choices=AssignmentMode.choices,
                initial=modes.get(team.pk, AssignmentMode.OFF),
            )

    def save(self) -> int:
        """Write the modes that changed (a team without a row gets one); how many changed."""
        changed = 0
        for team in self.teams:
            mode = self.cleaned_data[f"team_{team.pk}"]
            config = self.existing.get(team.pk)
            if config is None:
                if mode != AssignmentMode.OFF:
                    TeamAssignment.objects.create(team=team, mode=mode)
                    changed += 1
            elif config.mode != mode:
                config.mode = mode
                config.save(update_fields=["mode"])
                changed += 1
        return changed
