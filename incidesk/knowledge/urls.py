"""The readers' knowledge base, under /kb/ (public articles need no account)."""

from django.urls import path

from incidesk.knowledge import views

app_name = "kb"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("suggest/", views.suggest, name="suggest"),
    path("<int:article_id>/", views.article, name="article"),
    path("<int:article_id>/feedback/", views.feedback, name="feedback"),
    path("<int:article_id>/images/<int:image_id>/", views.image, name="image"),
]
