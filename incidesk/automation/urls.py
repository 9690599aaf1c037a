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
