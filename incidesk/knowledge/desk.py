"""The knowledge base in the desk's hands, under /knowledge/: the list with the owner's tasks,
writing and editing, review and publishing (the lifecycle's verbs), the version history with
differences, pictures, articles written from incidents and problems, the panel of suggested
articles beside an incident (send one as a reply, link it to the resolution), and the report.

Views parse and render; every change is a `knowledge.actions` call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidesk.accounts.models import User
from incidesk.analytics.filters import FilterForm, user_zone
from incidesk.core.errors import DomainError, NotFound
from incidesk.incidents.access import access_incident, visible_to
from incidesk.incidents.models import Incident
from incidesk.knowledge import actions, history, report
from incidesk.knowledge.access import access_article, can_edit, visible_articles
from incidesk.knowledge.forms import ArticleFilterForm, ArticleForm, ImageForm
from incidesk.knowledge.models import Article, ArticleVersion, OwnerTask
from incidesk.knowledge.render import render as render_markdown
from incidesk.knowledge.search import search
from incidesk.knowledge.status import ArticleStatus, allowed_verbs
from incidesk.problems.queries import access_problem
from incidesk.web.access import manager_required, signed_in, staff_required
from incidesk.web.forms import add_domain_error

PAGE_SIZE = 100
PANEL_SIZE = 5


def _article(user: User, article_id: int) -> Article:
    try:
        return access_article(user, article_id)
    except NotFound as missing:
        raise Http404 from missing


def _incident(user: User, number: str) -> Incident:
    try:
        return access_incident(user, number)
    except NotFound as missing:
        raise Http404 from missing


@staff_required
def article_list(request: HttpRequest) -> HttpResponse:
    form = ArticleFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = search(visible_articles(signed_in(request)), data.get("q") or "")
    if data.get("status"):
        found = found.filter(status=data["status"])
    articles = list(found.select_related("owner").order_by("-updated_at", "-id")[:PAGE_SIZE])
    tasks = list(
        OwnerTask.objects.filter(owner=signed_in(request), done_at=None).select_related("article")[
            :50
        ]
    )
    context = {"form": form, "articles": articles, "tasks": tasks}
    return render(request, "knowledge/desk_list.html", context)


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even an empty one, which the form then refuses)."""
    return request.POST if request.method == "POST" else None


def _fields(article: Article) -> dict[str, Any]:
    return {
        "title_ru": article.title_ru,
        "body_ru": article.body_ru,
        "title_en": article.title_en,
        "body_en": article.body_en,
        "audience": article.audience,
        "organisations": list(article.organisations.all()),
        "category": article.category,
        "service": article.service,
        "tags": ", ".join(article.tag_list),
        "owner": article.owner,
        "valid_until": article.valid_until,
    }


@staff_required
def article_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(
        _posted(request), initial={"owner": signed_in(request), "audience": "public"}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("note")
        try:
            created = actions.do_create_article(actor=signed_in(request), **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Article %(number)s saved.") % {"number": created.number})
            return redirect("knowledge:detail", article_id=created.pk)
    status = 422 if form.errors else 200
    return render(request, "knowledge/desk_edit.html", {"form": form}, status=status)


@staff_required
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    found = _article(signed_in(request), article_id)
    form = ArticleForm(_posted(request), initial=_fields(found))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_edit_article(
                found,
                actor=signed_in(request),
                expected_version=_int(request.POST.get("version")),
                **form.cleaned_data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Article %(number)s saved.") % {"number": found.number})
            return redirect("knowledge:detail", article_id=found.pk)
    context = {"form": form, "article": found, "editable": can_edit(signed_in(request), found)}
    return render(request, "knowledge/desk_edit.html", context, status=422 if form.errors else 200)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@staff_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    found = _article(signed_in(request), article_id)
    versions = list(found.versions.select_related("author")[:50])
    context = {
        "article": found,
        "html_ru": render_markdown(found.body_ru, found.pk),
        "html_en": render_markdown(found.body_en, found.pk),
        "verbs": allowed_verbs(found, signed_in(request)),
        "versions": versions,
        "images": list(found.images.all()),
        "image_form": ImageForm(),
        "editable": can_edit(signed_in(request), found),
    }
    return render(request, "knowledge/desk_detail.html", context)


@staff_required
@require_POST
def article_verb(request: HttpRequest, article_id: int, verb: str) -> HttpResponse:
    found = _article(signed_in(request), article_id)
    try:
        actions.do_transition(found, verb, actor=signed_in(request))
    except KeyError as unknown:
        raise Http404 from unknown
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Article %(number)s: done.") % {"number": found.number})
    return redirect("knowledge:detail", article_id=found.pk)


@require_GET
@staff_required
def version_diff(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    """Version `number` against the one before it."""
    found = _article(signed_in(request), article_id)
    pair = {
        v.number: v
        for v in ArticleVersion.objects.filter(article=found, number__in=[number - 1, number])
    }
    if number not in pair:
        raise Http404
    new = pair[number]
    old = pair.get(number - 1) or ArticleVersion(article=found, number=0)
    context = {"article": found, "new": new, "old": old, "changes": history.diff(old, new)}
    return render(request, "knowledge/desk_diff.html", context)


@staff_required
@require_POST
def image_upload(request: HttpRequest, article_id: int) -> HttpResponse:
    found = _article(signed_in(request), article_id)
    form = ImageForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a picture to upload."))
        return redirect("knowledge:detail", article_id=found.pk)
    try:
        picture = actions.do_add_image(
            found, actor=signed_in(request), upload=form.cleaned_data["file"]
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        url = reverse("kb:image", args=[found.pk, picture.pk])
        messages.success(
            request, _("Picture added: paste ![…](%(url)s) into the text.") % {"url": url}
        )
    return redirect("knowledge:detail", article_id=found.pk)


def _drafted(
    request: HttpRequest, write: Callable[[], Article], *, source: str, back: HttpResponse
) -> HttpResponse:
    """Run one of the "draft from …" actions: its editor on success, `back` with the reason if
    refused."""
    try:
        created = write()
    except DomainError as error:
        messages.error(request, str(error.message))
        return back
    messages.success(
        request,
        _("Draft %(number)s written from %(incident)s.")
        % {"number": created.number, "incident": source},
    )
    return redirect("knowledge:edit", article_id=created.pk)


@staff_required
@require_POST
def from_incident(request: HttpRequest, incident: str) -> HttpResponse:
    source = _incident(signed_in(request), incident)
    return _drafted(
        request,
        lambda: actions.do_draft_from_incident(source, actor=signed_in(request)),
        source=source.number,
        back=redirect("console:incident", number=source.number),
    )


@manager_required
@require_POST
def from_group(request: HttpRequest) -> HttpResponse:
    """ "Write the article" on the recurring groups page: a draft from the group's resolutions."""
    user = signed_in(request)
    wanted = [number.upper() for number in request.POST.get("numbers", "").split()]
    incidents = list(visible_to(user).filter(number__in=wanted).order_by("created_at", "id"))
    try:
        created = actions.do_draft_from_group(
            incidents, actor=user, title=request.POST.get("title", "")
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("recurring:groups")
    messages.success(request, _("Article %(number)s saved.") % {"number": created.number})
    return redirect("knowledge:edit", article_id=created.pk)


@staff_required
@require_POST
def from_problem(request: HttpRequest, problem: str) -> HttpResponse:
    try:
        source = access_problem(signed_in(request), problem)
    except NotFound as missing:
        raise Http404 from missing
    return _drafted(
        request,
        lambda: actions.do_draft_from_problem(source, actor=signed_in(request)),
        source=source.number,
        back=redirect("problems:detail", number=source.number),
    )


@require_GET
@staff_required
def incident_panel(request: HttpRequest, incident: str) -> HttpResponse:
    """Articles beside an incident (htmx, after the page): those linked to it, and published
    ones sharing words with it, each to send to the customer as a reply or to link."""
    found = _incident(signed_in(request), incident)
    linked = list(visible_articles(signed_in(request)).filter(links__incident=found).distinct())
    suggested = search(
        visible_articles(signed_in(request)).filter(status=ArticleStatus.PUBLISHED),
        f"{found.title} {found.description}"[:1000],
        any_word=True,
    ).exclude(pk__in=[a.pk for a in linked])
    language = get_language() or "ru"
    context = {
        "incident": found,
        "linked": [(a, a.title_in(language)) for a in linked],
        "suggested": [
            (a, a.title_in(language))
            for a in suggested.order_by("-published_at", "-id")[:PANEL_SIZE]
        ],
        "can_write": found.status in ("resolved", "closed") and bool(found.resolution_notes),
    }
    return render(request, "knowledge/_incident_panel.html", context)


def _chosen(request: HttpRequest) -> Article:
    return _article(signed_in(request), _int(request.POST.get("article")) or 0)


@staff_required
@require_POST
def send_reply(request: HttpRequest, incident: str) -> HttpResponse:
    found = _incident(signed_in(request), incident)
    chosen = _chosen(request)
    link = request.build_absolute_uri(reverse("kb:article", args=[chosen.pk]))
    try:
        actions.do_send_as_reply(found, chosen, actor=signed_in(request), link=link)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The article was sent to the customer."))
    return redirect("console:incident", number=found.number)


@staff_required
@require_POST
def link_article(request: HttpRequest, incident: str) -> HttpResponse:
    found = _incident(signed_in(request), incident)
    chosen = _chosen(request)
    try:
        actions.do_link_article(found, chosen, actor=signed_in(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The article is linked to the resolution."))
    return redirect("console:incident", number=found.number)


@staff_required
@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    task = OwnerTask.objects.filter(pk=task_id, owner=signed_in(request)).first()
    if task is None:
        raise Http404
    actions.do_finish_task(task, actor=signed_in(request))
    return redirect("knowledge:list")


@require_GET
@staff_required
def report_page(request: HttpRequest) -> HttpResponse:
    """Per-article views, answers and deflections, with the reports' own filter form."""
    zone = user_zone(signed_in(request))
    form = FilterForm(request.GET)
    if not form.is_valid():
        form = FilterForm({})
        form.is_valid()
    rows, totals = report.report(form.report_filter(zone))
    language = get_language() or "ru"
    context = {
        "form": form,
        "rows": [(a, a.title_in(language)) for a in rows],
        "totals": totals,
        "window_hours": int(report.DEFLECTION_WINDOW.total_seconds() // 3600),
    }
    return render(request, "knowledge/report.html", context)
