"""The knowledge base as readers see it, under /kb/: the list and search (public articles also
without signing in), an article with "did this help?", its pictures, and the suggestions
beside a new incident in the portal. Every read starts from `access.visible_articles`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidesk.core.errors import DomainError, NotFound
from incidesk.incidents import files
from incidesk.knowledge import actions
from incidesk.knowledge.access import Reader, access_article, visible_articles
from incidesk.knowledge.forms import FeedbackForm, SearchForm
from incidesk.knowledge.models import Article, ArticleImage
from incidesk.knowledge.render import render as render_markdown
from incidesk.knowledge.search import search
from incidesk.knowledge.similar import similar_articles
from incidesk.knowledge.status import ArticleStatus

PAGE_SIZE = 50
SUGGESTIONS = 5
SUGGESTED = "suggest"
"""The `from` parameter of a suggestion's link: the opening counts towards deflection."""


def published(user: Reader) -> QuerySet[Article]:
    """What readers list and search: the published articles `user` may read (desk staff
    included: the reader's view of the base)."""
    return visible_articles(user).filter(status=ArticleStatus.PUBLISHED)


def _article(user: Reader, article_id: int) -> Article:
    try:
        return access_article(user, article_id)
    except NotFound as missing:
        raise Http404 from missing


@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    found = search(published(request.user), q)
    articles = list(found.order_by("-published_at", "-id")[:PAGE_SIZE])
    # Nothing by word forms: a typo or Latin-typed Russian, perhaps. The similarity engine, as
    # for suggestions, for signed-in readers only.
    close = not articles and bool(q) and request.user.is_authenticated
    if close:
        articles = similar_articles(q, published(request.user), PAGE_SIZE)
    context = {"articles": articles, "q": q, "close": close and bool(articles)}
    return render(request, "knowledge/article_list.html", context)


@require_GET
def article(request: HttpRequest, article_id: int) -> HttpResponse:
    found = _article(request.user, article_id)
    if found.status != ArticleStatus.PUBLISHED:
        # Desk staff read drafts in the console, where they can act on them.
        return redirect("knowledge:detail", article_id=found.pk)
    actions.record_view(found, request.user, suggested=request.GET.get("from") == SUGGESTED)
    language = get_language() or "ru"
    context = {
        "article": found,
        "title": found.title_in(language),
        "html": render_markdown(found.body_in(language), found.pk),
    }
    return render(request, "knowledge/article.html", context)


@login_required
@require_POST
def feedback(request: HttpRequest, article_id: int) -> HttpResponse:
    found = _article(request.user, article_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose “yes” or “no”."))
        return redirect("kb:article", article_id=found.pk)
    try:
        actions.do_give_feedback(
            found,
            request.user,
            helped=form.cleaned_data["helped"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Thank you for your answer."))
    return redirect("kb:article", article_id=found.pk)


@require_GET
def image(request: HttpRequest, article_id: int, image_id: int) -> FileResponse:
    found = _article(request.user, article_id)
    picture = ArticleImage.objects.filter(article=found, pk=image_id).first()
    if picture is None:
        raise Http404
    return files.attachment_response(picture)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The htmx fragment beside a new incident's title and description: published articles the
    writer may read that share words with what they are typing."""
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}"[:1000]
    articles: list[Article] = []
    if text.strip():
        found = search(published(request.user), text, any_word=True)
        articles = list(found.order_by("-published_at", "-id")[:SUGGESTIONS])
        # Typos, transliteration: the similarity engine, for signed-in writers only (its cost
        # is bounded, but a page anyone may call in a loop stays on the index).
        if request.user.is_authenticated and len(articles) < SUGGESTIONS:
            others = published(request.user).exclude(pk__in=[a.pk for a in articles])
            articles += similar_articles(text, others, SUGGESTIONS - len(articles))
    language = get_language() or "ru"
    rows = [(article, article.title_in(language)) for article in articles]
    return render(request, "knowledge/_suggestions.html", {"rows": rows, "from": SUGGESTED})
