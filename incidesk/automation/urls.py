from django.urls import path

from incidesk.automation import views

app_name = "automation"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:routing_rule>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:routing_rule>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:routing_rule>/move/", views.rule_move, name="rule_move"),
    path("teams/", views.teams, name="teams"),
]
