"""The customer portal: report an incident, follow it, answer, confirm the fix, rate the help.

Views only translate between forms and the incidents' actions: every change is an action, every
read goes through `incidents.access`. A tracked incident (reported without signing in, opened by
its private link) is shown by the same code, acting as its reporter. A report sent without signing
in is filed only once the owner of its address confirms it (`pending`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from incidesk.accounts.models import STAFF_ROLES, User
from incidesk.catalog.models import Category, HoldReason, Service
from incidesk.core.errors import DomainError, InvalidInput, NotFound
from incidesk.core.pagination import paginate
from incidesk.core.ratelimits import REPORT_EMAIL, REPORT_IP, TRACK_IP, limit_requests
from incidesk.fields import definitions
from incidesk.fields.definitions import Definition
from incidesk.fields.values import error_key
from incidesk.incidents import actions, files
from incidesk.incidents.access import (
    access_incident,
    can,
    is_watching,
    shown_custom,
    visible_attachments,
    visible_comments,
    visible_to,
    visible_watchers,
)
from incidesk.incidents.models import Channel, Comment, Incident, Watcher
from incidesk.incidents.search import search
from incidesk.incidents.status import Status, allowed_verbs
from incidesk.incidents.wording import customer_status, priority_words, progress
from incidesk.portal import pending
from incidesk.portal.forms import (
    STATUS_FILTERS,
    AnonymousSubmitForm,
    ListFilterForm,
    RateForm,
    ReopenForm,
    ReplyForm,
    SubmitForm,
    WatcherForm,
    add_custom_fields,
    custom_values,
)
from incidesk.portal.models import TrackingLink
from incidesk.portal.timeline import customer_timeline
from incidesk.sla.models import Metric
from incidesk.sla.promise import promise
from incidesk.web.forms import add_domain_error

PAGE_SIZE = 25
# What a customer may do on their incident's page, and the form each verb reads.
CUSTOMER_VERBS = ("reply", "confirm", "reopen", "rate", "add-watcher", "remove-watcher")
VERB_FORMS = {
    "reply": ReplyForm,
    "reopen": ReopenForm,
    "rate": RateForm,
    "add-watcher": WatcherForm,
    "remove-watcher": WatcherForm,
}


@dataclass(frozen=True)
class Viewpoint:
    """Whose eyes the incident page is seen through and where its forms post: a signed-in
    customer at /incidents/<number>/, or the reporter of a tracked incident at /track/<token>/."""

    incident: Incident
    actor: User
    token: str = ""

    @property
    def page_url(self) -> str:
        if self.token:
            return reverse("portal:track", args=[self.token])
        return reverse("portal:incident", args=[self.incident.number])

    def action_url(self, verb: str) -> str:
        if self.token:
            return reverse("portal:track_act", args=[self.token, verb])
        return reverse("portal:act", args=[self.incident.number, verb])


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home" if request.user.is_desk_staff else "portal:list")
    return render(request, "portal/home.html")


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    if request.user.is_desk_staff:
        return redirect("console:queues")
    form = ListFilterForm(request.GET or None)
    form.is_valid()
    filters = form.cleaned_data if form.is_bound else {}
    queryset = visible_to(request.user, Incident.objects.select_related("hold_reason"))
    if filters.get("status"):
        queryset = queryset.filter(status__in=STATUS_FILTERS[filters["status"]])
    if filters.get("q"):
        queryset = search(queryset, filters["q"])
    try:
        page = paginate(
            queryset,
            ordering="-updated_at",
            cursor=filters.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except InvalidInput:
        page = paginate(queryset, ordering="-updated_at", cursor=None, limit=PAGE_SIZE)
    rows = [(incident, customer_status(incident)) for incident in page.items]
    next_query = request.GET.copy()
    if page.next_cursor:
        next_query["cursor"] = page.next_cursor
    return render(
        request,
        "portal/list.html",
        {
            "form": form,
            "rows": rows,
            "next_query": next_query.urlencode() if page.next_cursor else "",
            "filtered": bool(filters.get("status") or filters.get("q")),
        },
    )


@limit_requests(REPORT_IP, REPORT_EMAIL)
def new_incident(request: HttpRequest) -> HttpResponse:
    """Report an incident, signed in or not. Without signing in the report waits for the owner of
    the given address to confirm it through a mailed link; the page says the same for every
    address, so it tells nobody who has an account."""
    if request.user.is_authenticated and request.user.is_desk_staff:
        return redirect("console:queues")
    signed_in = request.user.is_authenticated
    form_class = SubmitForm if signed_in else AnonymousSubmitForm
    form = form_class(request.POST or None, request.FILES or None)
    fillable = add_custom_fields(form)
    if request.method == "POST" and form.is_valid():
        try:
            if not signed_in:
                report = pending.submit(form.cleaned_data, get_language(), fillable)
                return render(request, "portal/check_mail.html", {"email": report.email})
            incident = _register(request.user, form.cleaned_data, fillable)
        except DomainError as error:
            add_domain_error(form, error, {"file": "files"})
        else:
            return redirect("portal:submitted", incident.number)
    status = 422 if form.errors else 200
    custom = [form[error_key(d.code)] for d in fillable]
    return render(request, "portal/new.html", {"form": form, "custom": custom}, status=status)


def _register(reporter: User, data: dict, fillable: list[Definition]) -> Incident:
    """The incident and its files in one transaction: a refused file leaves nothing behind.
    The catalogue is read first, and a report without files needs only the action's own
    transaction (on SQLite a transaction holds the write lock)."""
    category = Category.objects.filter(code=data["category"]).first() if data["category"] else None
    fields = {
        "actor": reporter,
        "title": data["title"],
        "description": data["description"],
        "kind": data["kind"],
        "impact": data["impact"],
        "urgency": data["urgency"],
        "category": category,
        "custom": custom_values(data, fillable, data["kind"], category),
        "service": Service.objects.filter(code=data["service"]).first()
        if data["service"]
        else None,
        "channel": Channel.PORTAL,
        "contact_phone": data["contact_phone"],
    }
    if not data["files"]:
        return actions.do_create_incident(**fields)
    with transaction.atomic():
        incident = actions.do_create_incident(**fields)
        for upload in data["files"]:
            actions.do_add_attachment(incident, actor=reporter, upload=upload)
    return incident


@limit_requests(TRACK_IP, methods=None)
@require_http_methods(["GET", "POST"])
def confirm_report(request: HttpRequest, token: str) -> HttpResponse:
    """The link mailed for a report sent without signing in. GET only shows the report and a
    button (mail scanners fetch links); POST files it. A wrong, used or expired token and a
    disabled account's address all get the same answer."""
    report = pending.find(token)
    if report is None:
        return render(request, "portal/confirm_invalid.html", status=404)
    error = ""
    if request.method == "POST":
        try:
            confirmed = pending.confirm(token)
        except DomainError as refused:
            error = str(refused.message)
        else:
            if confirmed is None:
                return render(request, "portal/confirm_invalid.html", status=404)
            if confirmed.token:
                return redirect("portal:track_submitted", confirmed.token)
            return _confirmation(
                request, Viewpoint(incident=confirmed.incident, actor=confirmed.reporter)
            )
    return render(
        request,
        "portal/confirm.html",
        {
            "report": report,
            "error": error,
            # Only fields customers fill in, so fields they see.
            "custom_values": definitions.current().described(report.custom)
            if report.custom
            else [],
        },
        status=422 if error else 200,
    )


def _tracked(token: str) -> Viewpoint:
    link = TrackingLink.find(token)
    if link is None or link.incident.reporter is None or not link.incident.reporter.is_active:
        raise Http404
    return Viewpoint(incident=link.incident, actor=link.incident.reporter, token=token)


def _signed_in(request: HttpRequest, number: str) -> Viewpoint:
    try:
        incident = access_incident(request.user, number)
    except NotFound as missing:
        raise Http404(str(missing.message)) from missing
    return Viewpoint(incident=incident, actor=request.user)


def _confirmation(request: HttpRequest, view: Viewpoint) -> HttpResponse:
    incident = view.incident
    clock = incident.sla_clocks.filter(metric=Metric.RESPONSE, stopped_at__isnull=True).first()
    return render(
        request,
        "portal/submitted.html",
        {
            "incident": incident,
            "priority": priority_words(incident.priority),
            "promise": promise(clock, view.actor) if clock else "",
            "page_url": view.page_url,
            "tracking_url": request.build_absolute_uri(view.page_url) if view.token else "",
        },
    )


@login_required
def submitted(request: HttpRequest, number: str) -> HttpResponse:
    return _confirmation(request, _signed_in(request, number))


@limit_requests(TRACK_IP, methods=None)
def tracked_submitted(request: HttpRequest, token: str) -> HttpResponse:
    return _confirmation(request, _tracked(token))


def _page(request: HttpRequest, view: Viewpoint, refused: dict | None = None) -> HttpResponse:
    """The incident page; `refused` holds a form sent back with its errors (status 422)."""
    incident = view.incident
    actor = view.actor
    verbs = {verb.name for verb in allowed_verbs(incident, actor)}
    awaiting_answer = (
        incident.status == Status.ON_HOLD
        and incident.hold_reason_id
        and incident.hold_reason.code == HoldReason.AWAITING_CUSTOMER
    )
    clock = next(
        (
            c
            for c in incident.sla_clocks.all()
            if c.metric == Metric.RESPONSE and c.stopped_at is None
        ),
        None,
    )
    refused = refused or {}
    question = _question(incident, actor) if awaiting_answer else None
    manages = can(actor, "manage_watchers", incident)
    context = {
        "incident": incident,
        "view": view,
        "status_words": customer_status(incident),
        "steps": progress(incident),
        "priority": priority_words(incident.priority),
        "promise": promise(clock, actor) if clock else "",
        "entries": customer_timeline(incident, actor),
        "awaiting_answer": awaiting_answer,
        "question": question,
        "can_reply": not incident.is_final,
        "can_confirm": "confirm" in verbs,
        "can_reopen": "reopen" in verbs,
        "can_rate": "rate" in verbs,
        "can_manage_watchers": manages and not incident.is_final,
        # The reporter sees whom they share the incident with; a watcher sees only themselves.
        "watchers": list(visible_watchers(actor, incident)) if manages else [],
        "watching": not manages and is_watching(actor, incident),
        "watcher_form": refused.get("add-watcher") or WatcherForm(),
        "reply_form": refused.get("reply") or ReplyForm(),
        "custom_values": _custom_values(incident, actor),
        "reopen_form": refused.get("reopen") or ReopenForm(),
        "rate_form": refused.get("rate") or RateForm(),
        "urls": {verb.replace("-", "_"): view.action_url(verb) for verb in CUSTOMER_VERBS},
    }
    return render(request, "portal/incident.html", context, status=422 if refused else 200)


def _custom_values(incident: Incident, viewer: User) -> list[tuple[str, str]]:
    """The custom field values the viewer sees, in words (no query without values)."""
    if not incident.custom:
        return []
    return definitions.current().described(shown_custom(viewer, incident.custom))


def _question(incident: Incident, viewer: User) -> Comment | None:
    """What the desk asked: its latest public message (the information request writes the
    question as one), so the "we need more details" box can quote it."""
    return (
        visible_comments(viewer, incident)
        .filter(author__role__in=STAFF_ROLES)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )


@login_required
def incident_detail(request: HttpRequest, number: str) -> HttpResponse:
    if request.user.is_desk_staff:
        return redirect("console:incident", number.upper())
    return _page(request, _signed_in(request, number))


@limit_requests(TRACK_IP, methods=None)
def tracked_incident(request: HttpRequest, token: str) -> HttpResponse:
    return _page(request, _tracked(token))


def _act(request: HttpRequest, view: Viewpoint, verb: str) -> HttpResponse:
    """Apply one of the customer's verbs; a refusal is shown on the page, nothing is lost: next
    to the field it names, else as a message (the verb's form may no longer be offered)."""
    incident, actor = view.incident, view.actor
    if verb not in CUSTOMER_VERBS:
        raise Http404
    form = VERB_FORMS[verb](request.POST, request.FILES) if verb in VERB_FORMS else None
    if form is not None and not form.is_valid():
        return _page(request, view, {verb: form})
    try:
        with transaction.atomic():
            done = _apply(verb, incident, actor, form.cleaned_data if form else {})
    except DomainError as error:
        if form is None or not error.fields:
            messages.error(request, str(error.message))
            return redirect(view.page_url)
        add_domain_error(form, error, {"file": "files"})
        return _page(request, view, {verb: form})
    messages.success(request, done)
    if verb == "remove-watcher" and not visible_to(actor).filter(pk=incident.pk).exists():
        return redirect("portal:list")  # they stopped watching: the page is no longer theirs
    return redirect(view.page_url)


def _apply(verb: str, incident: Incident, actor: User, data: dict) -> str:
    if verb == "reply":
        comment = None
        if data["body"].strip():
            comment = actions.do_add_comment(incident, actor=actor, body=data["body"])
        for upload in data["files"]:
            actions.do_add_attachment(incident, actor=actor, upload=upload, comment=comment)
        return _("Your message was sent.")
    if verb == "confirm":
        actions.do_confirm(incident, actor=actor)
        return _("Thank you! The incident is closed.")
    if verb == "reopen":
        actions.do_reopen(incident, actor=actor, reason=data["reason"])
        return _("The incident is back in work. We will look at it again.")
    if verb == "add-watcher":
        actions.do_add_watcher_by_address(incident, actor=actor, email=data["email"])
        return _("%(email)s will receive this incident's news.") % {"email": data["email"]}
    if verb == "remove-watcher":
        watcher = (
            Watcher.objects.filter(incident=incident, person__email__iexact=data["email"])
            .select_related("person")
            .first()
        )
        if watcher is not None:
            actions.do_remove_watcher(incident, actor=actor, person=watcher.person)
        return _("%(email)s will no longer receive this incident's news.") % {
            "email": data["email"]
        }
    actions.do_rate(incident, actor=actor, rating=data["rating"], comment=data["comment"])
    return _("Thank you for your rating.")


@login_required
@require_POST
def act(request: HttpRequest, number: str, verb: str) -> HttpResponse:
    return _act(request, _signed_in(request, number), verb)


@limit_requests(TRACK_IP, methods=None)
@require_POST
def tracked_act(request: HttpRequest, token: str, verb: str) -> HttpResponse:
    return _act(request, _tracked(token), verb)


def _download(view: Viewpoint, pk: int) -> FileResponse:
    attachment = visible_attachments(view.actor, view.incident).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return files.attachment_response(attachment)


@login_required
def attachment(request: HttpRequest, number: str, pk: int) -> FileResponse:
    return _download(_signed_in(request, number), pk)


@limit_requests(TRACK_IP, methods=None)
def tracked_attachment(request: HttpRequest, token: str, pk: int) -> FileResponse:
    return _download(_tracked(token), pk)
