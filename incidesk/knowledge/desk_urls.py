"""The desk's knowledge base, under /knowledge/."""

from django.urls import path

from incidesk.knowledge import desk

app_name = "knowledge"

urlpatterns = [
    path("", desk.article_list, name="list"),
    path("new/", desk.article_new, name="new"),
    path("report/", desk.report_page, name="report"),
    path("from-incident/<str:incident>/", desk.from_incident, name="from_incident"),
    path("from-group/", desk.from_group, name="from_group"),
    path("from-problem/<str:problem>/", desk.from_problem, name="from_problem"),
    path("incidents/<str:incident>/", desk.incident_panel, name="panel"),
    path("incidents/<str:incident>/send/", desk.send_reply, name="send"),
    path("incidents/<str:incident>/link/", desk.link_article, name="link"),
    path("tasks/<int:task_id>/done/", desk.task_done, name="task_done"),
    path("<int:article_id>/", desk.article_detail, name="detail"),
    path("<int:article_id>/edit/", desk.article_edit, name="edit"),
    path("<int:article_id>/actions/<str:verb>/", desk.article_verb, name="verb"),
    path("<int:article_id>/versions/<int:number>/", desk.version_diff, name="diff"),
    path("<int:article_id>/images/", desk.image_upload, name="image_upload"),
]
