"""Watchers over the API: parse (schemas) -> access -> action -> schema, the same actions and
rules as the portal's colleagues form and the console's watchers panel.

Someone else's incident is a 404; the list shows each caller what `access.visible_watchers`
allows (the reporter the customers, the desk everyone, a watcher themselves).
"""

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from incidesk.accounts.auth import api_user
from incidesk.core.errors import NotFound
from incidesk.incidents import actions
from incidesk.incidents.access import access_incident, visible_watchers
from incidesk.incidents.models import Watcher
from incidesk.incidents.schemas import WatcherIn, WatcherOut

router = Router(tags=["watchers"])


@router.get(
    "/incidents/{number}/watchers",
    response=list[WatcherOut],
    summary="List the incident's watchers",
    url_name="incident_watchers",
)
def list_watchers(request: HttpRequest, number: str) -> QuerySet[Watcher]:
    """The desk sees every watcher, followers included; the reporter the customers among
    them; anyone else who sees the incident only their own entry (or none)."""
    user = api_user(request)
    return visible_watchers(user, access_incident(user, number))


@router.post(
    "/incidents/{number}/watchers",
    response={201: WatcherOut},
    summary="Add a watcher",
    url_name="incident_add_watcher",
)
@transaction.atomic
def add_watcher(request: HttpRequest, number: str, payload: WatcherIn) -> Status[Watcher]:
    """The reporter or the desk adds a colleague of the incident's organisation (any address
    where the organisation allows it), who then gets its customer mail, sees it as the
    reporter does and may reply, but never confirms, reopens or rates. Adding someone who
    already watches answers their entry. An agent giving their own address follows it."""
    user = api_user(request)
    incident = access_incident(user, number)
    return Status(201, actions.do_add_watcher_by_address(incident, actor=user, email=payload.email))


@router.delete(
    "/incidents/{number}/watchers/{watcher_id}",
    response={204: None},
    summary="Remove a watcher",
    url_name="incident_remove_watcher",
)
@transaction.atomic
def remove_watcher(request: HttpRequest, number: str, watcher_id: int) -> Status[None]:
    """A watcher stops for themselves; the reporter or the desk removes anyone. A watcher the
    caller cannot see in the list is a 404."""
    user = api_user(request)
    incident = access_incident(user, number)
    watcher = visible_watchers(user, incident).filter(pk=watcher_id).first()
    if watcher is None:
        raise NotFound(_("Watcher %(id)s was not found.") % {"id": watcher_id})
    actions.do_remove_watcher(incident, actor=user, person=watcher.person)
    return Status(204, None)
