from django.urls import path

from incidesk.automation import trigger_views, views

app_name = "automation"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:routing_rule>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:routing_rule>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:routing_rule>/move/", views.rule_move, name="rule_move"),
    path("teams/", views.teams, name="teams"),
    path("triggers/", trigger_views.triggers, name="triggers"),
    path("triggers/new/", trigger_views.trigger_new, name="trigger_new"),
    path("triggers/<int:trigger>/", trigger_views.trigger_edit, name="trigger_edit"),
    path("triggers/<int:trigger>/delete/", trigger_views.trigger_delete, name="trigger_delete"),
    path("triggers/<int:trigger>/move/", trigger_views.trigger_move, name="trigger_move"),
    path("triggers/<int:trigger>/toggle/", trigger_views.trigger_toggle, name="trigger_toggle"),
]

# The simulator's background runs and agents' availability (views in their own modules).
from incidesk.automation import simulation_views  # noqa: E402

urlpatterns += [
    path(
        "simulations/<int:simulation_run>/",
        simulation_views.simulation_run,
        name="simulation_run",
    ),
]

from incidesk.automation import availability_views  # noqa: E402

urlpatterns += [
    path("away/", availability_views.away, name="away"),
    path("agents/", availability_views.agents, name="agents"),
    path("agents/<int:agent>/", availability_views.agent, name="agent"),
]
