"""The agent console: queues, the incident workspace and bulk actions (the lead's overview is
`console.overview`).

Views parse forms and render; reads start from `incidents.access`, every change is an
`incidents.actions` call, and domain errors come back as form errors in the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from html import escape
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_ALT
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from incidesk.accounts.models import User
from incidesk.console import choices, forms, queues, search
from incidesk.console.customfields import applicable, fit, shown_values
from incidesk.console.models import SavedView
from incidesk.console.timeline import entries
from incidesk.console.wording import percent_text, readable_duration
from incidesk.core.errors import DomainError, InvalidInput, NotFound, VersionConflict
from incidesk.core.pagination import Page, paginate
from incidesk.incidents import actions, queries
from incidesk.incidents.access import access_incident, can
from incidesk.incidents.models import (
    TIME_EDIT_WINDOW_HOURS,
    Comment,
    Incident,
    IncidentLink,
    LinkKind,
    Visibility,
)
from incidesk.incidents.status import OPEN_STATUSES, VERBS, Status, allowed_verbs
from incidesk.sla import clocks as sla_clocks
from incidesk.sla.explain import explain
from incidesk.sla.models import ClockState, Metric
from incidesk.web.access import staff_required
from incidesk.web.forms import add_domain_error

PAGE_SIZE = 50
EDIT_LABELS = {
    "priority": gettext_lazy("Override priority"),
    "problem": gettext_lazy("Link to a problem"),
    "edit": gettext_lazy("Edit fields"),
    "custom": gettext_lazy("Custom fields"),
}
WARNING_PERCENT = 75


# --- queues -----------------------------------------------------------------------------------


@dataclass
class Row:
    """A queue row with what the template would otherwise work out per row (a link, a
    translated label, the dates in the row's format): 50 rows render in a fraction of the
    time."""

    incident: Incident
    sla: str  # "breached", "warning", "paused" or ""
    url: str = ""  # the queue's rows only
    select_label: str = ""
    status: str = ""  # the status's label
    response_due: str = ""  # the dates as `|date:"j E H:i"` writes them
    resolution_due: str = ""
    updated: str = ""
    html: str = ""  # the queue table's row, a `SafeString` (`_row_cells`), set once made


def _row_sla(incident: Incident, now: datetime) -> str:
    """The row's SLA colour from the due-time columns and the `paused` flag of `queues.rows`."""
    if incident.status not in OPEN_STATUSES:
        return ""
    if queues.is_overdue(incident, now):
        return "breached"
    if incident.paused:
        return "paused"
    soon = now + queues.BREACHING_WITHIN
    dues = [d for d in (incident.response_due_at, incident.resolution_due_at) if d]
    return "warning" if any(d <= soon for d in dues) else ""


def _queue_page(request: HttpRequest) -> dict[str, Any]:
    """Everything the queue page and its live fragment show, in a fixed number of queries."""
    user = request.user
    form = forms.QueueFilterForm(request.GET)
    form.is_valid()
    values = form.values()
    code = values.get("queue") or queues.DEFAULT_QUEUE
    # A search looks through everything the agent may see; the open queue is a filter they
    # may keep ("only in this queue") or drop.
    searching = bool(values.get("q"))
    scope = code if not searching or values.get("only_queue") else "all"
    default_order = "due" if queues.QUEUES[scope].open_only else "newest"
    order = values.get("ordering") or default_order
    first: Callable[[int], list[Any] | None] | None = None
    if scope == "open" and order == "due" and not form.is_filtered():
        queryset = queues.all_open_by_due_time(user)
        first = partial(queues.all_open_first_ids, user)
    else:
        queryset = queries.filter_incidents(queues.queue_incidents(user, scope), **form.filters())
    if values.get("channel"):
        queryset = queryset.filter(channel=values["channel"])
    if order == "due":
        # Keyset order needs a value: incidents without a running resolution clock (no SLA
        # policy) are listed by the other orderings.
        queryset = queryset.filter(resolution_due_at__isnull=False)
    cursor = request.GET.get("cursor") or None
    ordering = forms.ORDERINGS[order][0]
    try:
        page = _paginate(queryset, ordering, cursor, first)
    except InvalidInput:
        cursor, page = None, _paginate(queryset, ordering, None, first)
    now = timezone.now()
    params = request.GET.copy()
    params.pop("cursor", None)
    tabs = request.GET.copy()
    tabs.pop("cursor", None)
    counts = queues.counts(user)
    tab_links = []
    for queue_code, queue in queues.QUEUES.items():
        tabs["queue"] = queue_code
        tab_links.append((queue_code, queue.label, counts[queue_code], tabs.urlencode()))
    scope_links = request.GET.copy()
    scope_links.pop("cursor", None)
    if values.get("only_queue"):
        scope_links.pop("only_queue", None)
    else:
        scope_links["only_queue"] = "1"
    rows = _rows(page.items, now)
    return {
        "form": form,
        "queue": code,
        "queue_label": queues.QUEUES[code].label,
        "searching": searching,
        "only_queue": bool(values.get("only_queue")),
        "scope_toggle": scope_links.urlencode(),
        "order": order,
        "rows": rows,
        # One string for the table's body, not one template variable a row.
        "rows_html": mark_safe("".join(row.html for row in rows)),  # noqa: S308 (`_row_cells`)
        "next_cursor": page.next_cursor,
        "cursor": cursor,
        "query": params.urlencode(),
        "tabs": tab_links,
        "tab_items": _tab_items(tab_links, code),
        "filtered": form.is_filtered(),
    }


def _tab_items(tabs: list[tuple[str, Any, queues.Count, str]], current: str) -> SafeString:
    """The queue menu's items (`_queue_nav.html`), written in Python as the rows are: the
    template's loop took some forty tags for eight tabs. Escaped as its autoescape did."""
    more_than = escape(_("more than"))
    items = []
    for code, label, count, link in tabs:
        here = code == current
        active, current_page = (" active", ' aria-current="page"') if here else ("", "")
        badge = "text-bg-light" if here else "text-bg-secondary"
        shown = escape(str(count))
        title = f"{more_than} {shown}" if count.capped else ""
        items.append(
            '\n      <li class="nav-item">\n'
            f'        <a class="nav-link d-flex justify-content-between{active}"'
            f' href="?{escape(link)}" data-queue="{code}"{current_page}>\n'
            f"          <span>{escape(str(label))}</span>\n"
            f'          <span class="badge rounded-pill {badge} ms-2" data-count="{code}"'
            f' title="{title}">{shown}</span>\n'
            "        </a>\n"
            "      </li>\n    "
        )
    return mark_safe("".join(items))  # noqa: S308 (every value above is escaped)


def _rows(incidents: list[Incident], now: datetime) -> list[Row]:
    link = reverse("console:incident", args=["NUMBER"])
    select = _("Select %(number)s")
    statuses = {status.value: str(status.label) for status in Status}
    when = _day_and_time()
    cells = _row_cells()
    rows = []
    for incident in incidents:
        row = Row(
            incident,
            _row_sla(incident, now),
            link.replace("NUMBER", incident.number),
            select % {"number": incident.number},
            statuses[incident.status],
            when(incident.response_due_at),
            when(incident.resolution_due_at),
            when(incident.updated_at),
        )
        row.html = cells(row)
        rows.append(row)
    return rows


# Characters `escape` replaces: most of a row's values (numbers, dates, codes, most names) hold
# none, and are written as they are without five replacements each.
_MARKUP = re.compile(r"[&<>\"']")


def _escape(text: str) -> str:
    """`html.escape(text)`, without its work where there is nothing to replace."""
    return escape(text) if _MARKUP.search(text) else text


def _row_cells() -> Callable[[Row], SafeString]:
    """The queue table's row markup, written in Python: the template spent some 35 variable
    look-ups a row, 1,750 a page, a third of the page's CPU. Every value is escaped as the
    template's autoescape did (`_escape`), and the labels are translated once a page."""
    labels = {
        name: escape(text)
        for name, text in {
            "response": _("response"),
            "resolution": _("resolution"),
            "breached": _("breached"),
            "paused": _("paused"),
            "major": _("major"),
            "no_answer": _("no answer"),
            "unassigned": _("unassigned"),
        }.items()
    }
    due_class = {"breached": " sla-breached", "warning": " sla-warning", "paused": " sla-paused"}

    def cells(row: Row) -> SafeString:
        incident = row.incident
        number = _escape(incident.number)
        title = _escape(incident.title)
        badges = ""
        if incident.is_major:
            badges += f' <span class="badge text-bg-danger">{labels["major"]}</span>'
        if incident.no_answer:
            badges += f' <span class="badge text-bg-warning">{labels["no_answer"]}</span>'
        hold = ""
        hold_reason = incident.hold_reason
        if hold_reason:
            reason = _escape(hold_reason.name)
            hold = f'<div class="small text-secondary hold-reason" title="{reason}">{reason}</div>'
        team_of = incident.team
        team = _escape(team_of.name) if team_of and team_of.name else "—"
        assigned = incident.assignee
        assignee = assigned.display_name if assigned else ""
        contact = incident.contact_display
        due = ""
        if row.response_due:
            due += f"<div>{labels['response']}: {_escape(row.response_due)}</div>"
        due += "\n                "
        if row.resolution_due:
            due += f"<div>{labels['resolution']}: {_escape(row.resolution_due)}</div>"
        due += "\n                "
        if row.sla in ("breached", "paused"):
            due += f"<div>{labels[row.sla]}</div>"
        sla_class = f"row-{row.sla}" if row.sla else ""
        updated = _escape(row.updated)
        return mark_safe(  # noqa: S308 (every value above is escaped)
            f'\n            <tr data-number="{number}" class="{sla_class}">\n'
            f'              <td><input type="checkbox" class="form-check-input" name="incident"'
            f' value="{number}" form="bulk-form" aria-label="{_escape(row.select_label)}"></td>\n'
            f'              <td class="text-nowrap"><a href="{_escape(row.url)}">'
            f"{number}</a></td>\n"
            f'              <td class="title-cell" title="{title}">{title}{badges}</td>\n'
            f'              <td><span class="badge status-badge status-{_escape(incident.status)}">'
            f"{_escape(row.status)}</span>{hold}</td>\n"
            f'              <td><span class="badge priority-badge priority-{incident.priority}">'
            f"P{incident.priority}</span></td>\n"
            f'              <td class="d-none d-md-table-cell small">{team}<br>'
            f"{_escape(assignee) if assignee else labels['unassigned']}</td>\n"
            f'              <td class="d-none d-xxl-table-cell small">'
            f"{_escape(contact) if contact else '—'}</td>\n"
            f'              <td class="small text-nowrap{due_class.get(row.sla, " ")}">\n'
            f"                {due}\n"
            "              </td>\n"
            f'              <td class="d-none d-md-table-cell small text-nowrap">{updated}</td>\n'
            "            </tr>\n          "
        )

    return cells


def _day_and_time() -> Callable[[datetime | None], str]:
    """`|date:"j E H:i"` in the current time zone and language (day, month name in the form
    that follows a day, time), for many dates: the month names and the time zone are looked up
    once, not per date (the filter took a tenth of the rows' rendering)."""
    months = {number: str(name) for number, name in MONTHS_ALT.items()}
    zone = timezone.get_current_timezone()

    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = timezone.localtime(moment, zone)
        return f"{local.day} {months[local.month]} {local.hour:02d}:{local.minute:02d}"

    return when


def _paginate(
    queryset: Any,
    ordering: str,
    cursor: str | None,
    first: Callable[[int], list[Any] | None] | None = None,
) -> Page[Incident]:
    return paginate(
        queryset,
        ordering=ordering,
        cursor=cursor,
        limit=PAGE_SIZE,
        load=queues.load_rows,
        first=first,
    )


@staff_required
def queue_list(request: HttpRequest) -> HttpResponse:
    number, found = search.jump(request.user, request.GET.get("q", ""))
    if found is not None:
        return redirect("console:incident", number=found.number)
    if number is not None:
        messages.info(
            request,
            _("There is no incident %(number)s, or you may not see it.") % {"number": number},
        )
    context = _queue_page(request)
    context["saved_views"] = list(request.user.saved_views.all())
    context["save_form"] = forms.SavedViewForm(initial={"query": context["query"]})
    context["bulk_form"] = bulk_form = forms.BulkForm()
    choices.fill(context["form"], bulk_form)
    return render(request, "console/queues.html", context)


@staff_required
def queue_rows(request: HttpRequest) -> HttpResponse:
    """The live part of the queue page (the table and the counts), polled by htmx."""
    return render(request, "console/_queue.html", _queue_page(request))


@staff_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    form = forms.SavedViewForm(request.POST)
    if form.is_valid():
        name, query = form.cleaned_data["name"], form.cleaned_data["query"]
        try:
            with transaction.atomic():
                SavedView.objects.create(user=request.user, name=name, query=query)
        except IntegrityError:
            SavedView.objects.filter(user=request.user, name=name).update(query=query)
        messages.success(request, _("View “%(name)s” saved.") % {"name": name})
        return redirect(reverse("console:queues") + f"?{query}")
    messages.error(request, _("Give the view a name."))
    return redirect("console:queues")


@staff_required
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=pk, user=request.user)
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("console:queues")


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action for each ticked incident, each through its own action in its own
    transaction: one refusal does not undo the others, and every refusal is reported."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("console:queues")
    form = forms.BulkForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect(back)
    user, data = request.user, form.cleaned_data
    done, failed = 0, []
    for number in data["incident"]:
        try:
            with transaction.atomic():
                _bulk_one(user, access_incident(user, number), data)
            done += 1
        except DomainError as error:
            failed.append(f"{number}: {error.message}")
    if done:
        messages.success(
            request,
            ngettext("%(n)d incident updated.", "%(n)d incidents updated.", done) % {"n": done},
        )
    for failure in failed:
        messages.error(request, failure)
    return redirect(back)


def _bulk_one(user: User, incident: Incident, data: dict[str, Any]) -> None:
    action = data["action"]
    if action == "assign":
        actions.do_assign(incident, actor=user, assignee=data["assignee"])
    elif action == "team":
        actions.do_assign(incident, actor=user, team=data["team"])
    elif action == "merge":
        target = queries.incident_by_number(user, "original", data["original"].strip())
        actions.do_merge(incident, actor=user, target=target)
    elif action == "duplicate":
        original = queries.incident_by_number(user, "original", data["original"].strip())
        actions.do_cancel(
            incident,
            actor=user,
            reason=_("Duplicate of %(number)s") % {"number": original.number},
            duplicate_of=original,
        )
    else:
        actions.do_close(incident, actor=user)


# --- workspace --------------------------------------------------------------------------------


def _incident(user: User, number: str) -> Incident:
    try:
        return access_incident(user, number, need="edit", queryset=queries.with_related())
    except NotFound as error:
        raise Http404(str(error)) from error


@dataclass
class Section:
    """One action of the workspace: its name, button label and form."""

    name: str
    label: str
    form: forms.VersionedForm
    is_open: bool = False
    shortcut: str = ""


def _sections(
    incident: Incident,
    user: User,
    initial: dict[str, Any],
    bound: tuple[str, Any] | None,
    comments: list[Comment],
) -> list[Section]:
    """Exactly the verbs `allowed_verbs` gives, then the edits that are not status moves.
    `comments`: those the timeline shows, for the split form to choose from."""
    names = [
        (v.name, str(v.label))
        for v in allowed_verbs(incident, user)
        if v.name in forms.VERB_FORMS and (v.name != "split" or comments)
    ]
    if not incident.is_final:
        if can(user, "override_priority", incident):
            names.append(("priority", str(EDIT_LABELS["priority"])))
        names.append(("problem", str(EDIT_LABELS["problem"])))
        names.append(("edit", str(EDIT_LABELS["edit"])))
        if applicable(incident):
            names.append(("custom", str(EDIT_LABELS["custom"])))
    offered = {name for name, _label in names}
    if bound and bound[0] in (forms.VERB_FORMS.keys() | EDIT_LABELS.keys()) - offered:
        # A refused form stays on the page with its error, even if its button is not offered.
        label = VERBS[bound[0]].label if bound[0] in VERBS else EDIT_LABELS[bound[0]]
        names.append((bound[0], str(label)))
    sections = []
    for name, label in names:
        cls = forms.VERB_FORMS.get(name) or forms.EDIT_FORMS[name]
        if bound and bound[0] == name:
            form, is_open = bound[1], True
        else:
            extra = cls.initial_for(incident) if name in ("edit", "assign") else {}
            if name == "problem" and incident.problem_id:
                extra = {"problem": incident.problem.number}
            form, is_open = cls(initial={**initial, **extra}, prefix=name), False
        if isinstance(form, forms.SplitForm):
            form.choices_from(comments)
        fit(form, incident)
        sections.append(Section(name, label, form, is_open, "a" if name == "assign" else ""))
    return sections


@dataclass
class Clock:
    metric: str
    state: str
    due_at: datetime | None
    remaining: int
    remaining_text: str
    percent: str
    css: str
    running: bool


def _clocks(incident: Incident) -> list[Clock]:
    now, result = timezone.now(), []
    for clock in sorted(incident.sla_clocks.all(), key=lambda c: list(Metric).index(c.metric)):
        remaining, percent = sla_clocks.progress(clock, now)
        if clock.breached_at:
            css = "sla-breached"
        elif clock.paused_since:
            css = "sla-paused"
        elif clock.state == ClockState.RUNNING and percent >= WARNING_PERCENT:
            css = "sla-warning"
        else:
            css = ""
        result.append(
            Clock(
                metric=str(Metric(clock.metric).label),
                state=str(ClockState(clock.state).label),
                due_at=clock.due_at,
                remaining=int(remaining.total_seconds()),
                remaining_text=readable_duration(int(remaining.total_seconds())),
                percent=percent_text(percent),
                css=css,
                running=clock.stopped_at is None and clock.state != ClockState.CANCELLED,
            )
        )
    return result


def _links(incident: Incident) -> list[tuple[str, str]]:
    """The incident's links other than to its major incident (shown as such), both ways:
    (what the link says, the other incident's number)."""
    links = (
        IncidentLink.objects.filter(Q(source=incident) | Q(target=incident))
        .exclude(kind=LinkKind.CHILD_OF)
        .select_related("source", "target")
        .order_by("created_at", "pk")
    )
    return [
        (link.get_kind_display(), link.target.number)
        if link.source_id == incident.pk
        else (
            _("Linked from (%(kind)s)") % {"kind": link.get_kind_display().lower()},
            link.source.number,
        )
        for link in links
    ]


def _workspace(
    request: HttpRequest,
    incident: Incident,
    *,
    bound: tuple[str, Any] | None = None,
    conflict: list | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    timeline = entries(user, incident)
    seen = timeline[-1].event.pk if timeline else 0
    initial = {"version": incident.version, "seen_event": seen}
    if bound and bound[0] == "comment":
        comment_form = bound[1]
    else:
        comment_form = forms.CommentForm(initial=initial, prefix="comment")
    context = {
        "incident": incident,
        "timeline": timeline,
        "sections": _sections(
            incident, user, initial, bound, [e.comment for e in timeline if e.comment is not None]
        ),
        "comment_form": comment_form,
        "clocks": _clocks(incident),
        "sla_story": explain(incident, user),
        "conflict": conflict,
        # Sorted here: asked to sort, SQLite walks the whole table in number order, since its
        # statistics see a parent column that is almost always empty.
        "children": sorted(incident.children.order_by().values_list("number", flat=True)),
        "links": _links(incident),
        "custom_values": shown_values(incident),
        **_people_and_time(incident, user),
        "watcher_form": bound[1]
        if bound and bound[0] == "add-watcher"
        else forms.AddWatcherForm(prefix="add-watcher"),
    }
    return render(request, "console/incident_workspace.html", context, status=status)


def _people_and_time(incident: Incident, user: User) -> dict[str, Any]:
    """Who watches the incident, whether the agent follows it, the time spent on it in all,
    and the agent's own entries they may still correct: three queries."""
    watchers = list(incident.watchers.select_related("person", "moved_from"))
    since = timezone.now() - timedelta(hours=TIME_EDIT_WINDOW_HOURS)
    return {
        "watchers": watchers,
        "following": any(w.person_id == user.pk for w in watchers),
        "time_spent": incident.time_entries.aggregate(total=Sum("minutes"))["total"] or 0,
        "my_time": [
            (
                entry,
                forms.TimeEditForm(
                    initial={"entry": entry.pk, "minutes": entry.minutes}, prefix="time"
                ),
            )
            for entry in incident.time_entries.filter(author=user, at__gte=since).select_related(
                "moved_from"
            )
        ],
    }


@staff_required
def incident_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _workspace(request, _incident(request.user, number))


def _submit(request: HttpRequest, number: str, name: str, form: Any, perform: Any) -> HttpResponse:
    """Run `perform` for a valid form; answer a stale version with what changed since."""
    user = request.user
    incident = _incident(user, number)
    fit(form, incident)
    if not form.is_valid():
        return _workspace(request, incident, bound=(name, form), status=422)
    try:
        with transaction.atomic():
            done = perform(incident, form)
            _log_time(incident, user, name, form, done)
    except VersionConflict:
        return _conflict(request, number, name, form)
    except DomainError as error:
        add_domain_error(form, error)
        return _workspace(request, _incident(user, number), bound=(name, form), status=422)
    messages.success(request, _("Saved."))
    return redirect("console:incident", number=incident.number)


def _log_time(incident: Incident, user: User, name: str, form: Any, done: Any) -> None:
    """The minutes the agent gave with a reply, note or action, in the same transaction."""
    minutes = form.cleaned_data.get("minutes") if name not in forms.OTHER_FORMS else None
    if not minutes:
        return
    comment = done if isinstance(done, Comment) else None
    if comment is not None:
        name = "reply" if comment.visibility == Visibility.PUBLIC else "note"
    actions.do_log_time(incident, actor=user, minutes=minutes, what=name, comment=comment)


def _conflict(request: HttpRequest, number: str, name: str, form: Any) -> HttpResponse:
    """Someone changed the incident since the agent opened it: show those changes and the
    current values, keep what the agent typed, and let them submit again knowingly."""
    user = request.user
    incident = _incident(user, number)
    changes = entries(user, incident, after=form.cleaned_data.get("seen_event") or 0)
    data = request.POST.copy()
    data[f"{name}-version"] = str(incident.version)
    if changes:
        data[f"{name}-seen_event"] = str(changes[-1].event.pk)
    rebound = type(form)(data, prefix=name)
    fit(rebound, incident)
    rebound.is_valid()
    return _workspace(request, incident, bound=(name, rebound), conflict=changes, status=409)


@staff_required
@require_POST
def incident_action(request: HttpRequest, number: str, verb: str) -> HttpResponse:
    cls = forms.VERB_FORMS.get(verb) or forms.EDIT_FORMS.get(verb) or forms.OTHER_FORMS.get(verb)
    if cls is None:
        raise Http404
    return _submit(
        request,
        number,
        verb,
        cls(request.POST, prefix=verb),
        lambda incident, form: form.perform(incident, request.user),
    )


@staff_required
@require_POST
def incident_comment(request: HttpRequest, number: str) -> HttpResponse:
    """The editor: a reply or an internal note, with any files attached to it."""
    user = request.user
    uploads = request.FILES.getlist("comment-files")

    def perform(incident: Incident, form: forms.CommentForm) -> Comment:
        visibility = form.cleaned_data["visibility"]
        comment = actions.do_add_comment(
            incident,
            actor=user,
            body=form.cleaned_data["body"],
            visibility=visibility,
            expected_version=form.expected_version,
        )
        for upload in uploads:
            actions.do_add_attachment(
                incident, actor=user, upload=upload, comment=comment, visibility=visibility
            )
        return comment

    form = forms.CommentForm(request.POST, prefix="comment")
    return _submit(request, number, "comment", form, perform)
