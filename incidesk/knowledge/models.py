"""Knowledge base articles: Russian and English text in Markdown, who may read them, their life
(draft → in review → published → archived), every saved version, images, and what readers did
with them (views, "did this help?", tasks for the owner).

Only `knowledge.actions` writes articles, versions, images and tasks; views and feedback are
written by the reading surfaces through `knowledge.actions.record_view` / `do_give_feedback`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.knowledge.status import ArticleStatus


class Audience(models.TextChoices):
    """Who may read a published article (desk staff read every article, in every status)."""

    PUBLIC = "public", _("Everyone, also without an account")
    CUSTOMERS = "customers", _("Customers of the chosen organisations")
    INTERNAL = "internal", _("Desk staff only")


class Article(models.Model):
    """One article with its Russian and English text (either may be empty, not both titles).

    `version` is the number of the latest `ArticleVersion`; the text fields always equal it.
    `search_body` is what full-text search reads (both languages and the tags).
    """

    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    body_ru = models.TextField(_("text (Russian)"), blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus, default=ArticleStatus.DRAFT
    )
    audience = models.CharField(
        _("who may read it"), max_length=16, choices=Audience, default=Audience.INTERNAL
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("organisations"), blank=True, related_name="+"
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_articles",
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    source_incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("written from incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_problem = models.ForeignKey(
        "problems.Problem",
        verbose_name=_("written from problem"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    search_body = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(
        pgettext_lazy("article", "created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(pgettext_lazy("article", "updated"), default=timezone.now)
    published_at = models.DateTimeField(
        pgettext_lazy("article", "published"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "audience"], name="article_status")]

    def __str__(self) -> str:
        return self.title_ru or self.title_en

    @property
    def number(self) -> str:
        """How people name an article (and the lifecycle's refusal messages)."""
        return f"KB-{self.pk:06d}"

    def title_in(self, language: str) -> str:
        """The title in `language`, or the other one when that is empty."""
        if language.startswith("en"):
            return self.title_en or self.title_ru
        return self.title_ru or self.title_en

    def body_in(self, language: str) -> str:
        """The text in the language its title is shown in."""
        if language.startswith("en") and self.title_en:
            return self.body_en
        return self.body_ru if self.title_ru else self.body_en

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


class ArticleVersion(models.Model):
    """The text of an article as one save left it. Never changed: the history and its
    differences are read from these rows."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="versions",
        db_index=False,  # `unique_article_version` in Meta starts with it
    )
    number = models.PositiveIntegerField()
    title_ru = models.CharField(max_length=200, blank=True)
    body_ru = models.TextField(blank=True)
    title_en = models.CharField(max_length=200, blank=True)
    body_en = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_article_version")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


def image_path(instance: ArticleImage, filename: str) -> str:
    """A random stored name: the uploaded name is shown, never used as a path."""
    return f"knowledge/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ArticleImage(models.Model):
    """A picture of an article, shown in its text as `![…](/kb/<article>/images/<id>/)` and
    served, after the article's access check, like every attachment."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=image_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article image")
        verbose_name_plural = _("article images")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ArticleLink(models.Model):
    """An article that a resolution points to: the customer's "result and instructions" shows
    it, and the reports count reopened incidents that used it."""

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="article_links",
        db_index=False,  # `unique_article_link` in Meta starts with it
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article link")
        verbose_name_plural = _("article links")
        constraints = [
            models.UniqueConstraint(fields=["incident", "article"], name="unique_article_link")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} -> {self.article_id}"


class ArticleView(models.Model):
    """Someone opened a published article. `suggested`: they came from a suggestion while
    writing a new incident (the start of a possible deflection). `user` is null for visitors
    who are not signed in (counted as views, never as deflections: nobody knows whether they
    filed an incident later)."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="views",
        db_index=False,  # `article_view_at` in Meta starts with it
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_index=False,  # `article_view_user` in Meta starts with it
    )
    suggested = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article view")
        verbose_name_plural = _("article views")
        indexes = [
            models.Index(fields=["article", "at"], name="article_view_at"),
            models.Index(fields=["user", "at"], name="article_view_user"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.at:%Y-%m-%d %H:%M}"


class Feedback(models.Model):
    """One reader's answer to "did this help?" (their latest replaces an earlier one)."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="feedback",
        db_index=False,  # `article_feedback_at` in Meta starts with it
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    helped = models.BooleanField(_("it helped"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer to “did this help?”")
        verbose_name_plural = _("answers to “did this help?”")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["article", "at"], name="article_feedback_at")]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helped else '-'}"


class TaskKind(models.TextChoices):
    NOT_HELPED = "not_helped", _("A reader says it did not help")
    EXPIRING = "expiring", _("The article's validity runs out")
    REVIEW = "review", _("Waiting for review")


class OwnerTask(models.Model):
    """Something an article's owner should do, in their knowledge inbox. `key` makes a retried
    task create it once (the feedback's id, or the validity date reminded about)."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="tasks",
        db_index=False,  # `unique_owner_task` in Meta starts with it
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="article_tasks",
        db_index=False,  # `owner_task_inbox` in Meta starts with it
    )
    kind = models.CharField(max_length=16, choices=TaskKind)
    key = models.CharField(max_length=40)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("article task")
        verbose_name_plural = _("article tasks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "key"], name="unique_owner_task")
        ]
        indexes = [models.Index(fields=["owner", "done_at"], name="owner_task_inbox")]

    def __str__(self) -> str:
        return f"{self.kind} {self.article_id}"
