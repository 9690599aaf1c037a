"""The bell and its list: a person's in-app notifications, read and marked read.

The rows are written by the delivery task (`tasks.deliver_notifications`) from the same rules
as e-mail; these pages only read them through `inbox`, which applies `incidents.access`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidesk.core.errors import InvalidInput
from incidesk.core.pagination import paginate
from incidesk.notifications.inbox import inbox, items, mark_read, unread_count
from incidesk.web.access import signed_in

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(request: HttpRequest) -> HttpResponse:
    """Newest first, in keyset pages; a stale or foreign cursor starts from the top."""
    user = signed_in(request)
    queryset = inbox(user).select_related("event__incident", "event__actor")
    cursor = request.GET.get("cursor") or None
    try:
        page = paginate(queryset, ordering="-created_at", cursor=cursor, limit=PAGE_SIZE)
    except InvalidInput:
        page = paginate(queryset, ordering="-created_at", cursor=None, limit=PAGE_SIZE)
    return render(
        request,
        "notifications/list.html",
        {
            "items": items(user, page.items),
            "next_cursor": page.next_cursor,
            "unread": unread_count(user),
        },
    )


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell with its unread count, fetched by htmx so pages pay nothing for it."""
    return render(request, "notifications/_bell.html", {"unread": unread_count(signed_in(request))})


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (`notification=<id>`) or all of them (`all`). With htmx the
    answer is the refreshed list and an event the bell listens to; without, back to the list."""
    if "all" in request.POST:
        mark_read(signed_in(request))
    else:
        ids = [int(v) for v in request.POST.getlist("notification") if v.isdecimal()]
        mark_read(signed_in(request), ids)
    if request.headers.get("HX-Request"):
        response = _list_page(request)
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("notifications:list")
