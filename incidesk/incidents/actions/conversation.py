"""The conversation on an incident: comments and attachments."""

from __future__ import annotations

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.catalog.models import HoldReason
from incidesk.core.errors import InvalidInput
from incidesk.core.text import checked_text
from incidesk.incidents import files, timeline
from incidesk.incidents.access import require
from incidesk.incidents.actions._common import (
    _add_comment,
    _commit,
    _final,
    _lock,
    _mark_first_response,
    _save,
)
from incidesk.incidents.actions.lifecycle import _resume
from incidesk.incidents.models import Attachment, Comment, Incident, Visibility
from incidesk.incidents.search import index_incident
from incidesk.incidents.status import Status


@transaction.atomic
def do_add_comment(
    incident: Incident,
    *,
    actor: User | None,
    body: str,
    visibility: str = Visibility.PUBLIC,
    expected_version: int | None = None,
    verified: bool = True,
) -> Comment:
    """Add a reply or an internal note. A staff reply is the first response; the customer's
    reply to an information request puts the incident back in progress. With
    `expected_version`, refuse if the incident changed since the writer last saw it.
    `verified=False` (e-mail whose author the desk could not verify) keeps the text as an
    internal entry for the desk, whoever claims to have written it, and changes nothing else:
    no first response, no resume, nothing for the customer. `actor=None` is the system (a
    trigger's reply), which writes public replies only."""
    body = checked_text("body", body, required=True, bounded=True)
    visibility = Visibility.INTERNAL if not verified else Visibility(visibility)
    if visibility == Visibility.INTERNAL and verified:
        if actor is None:
            raise InvalidInput.field("visibility", _("The system writes public replies only."))
        require(actor, "write_internal", incident)
    incident = _lock(incident, expected_version)
    if incident.is_final and visibility == Visibility.PUBLIC:
        raise _final(incident)
    comment, event = _add_comment(incident, actor, body, visibility, verified)
    events = [event]
    fields: list[str] = []
    if visibility == Visibility.PUBLIC:
        fields += _mark_first_response(incident, actor)
        index_incident(incident)
    if (
        verified
        and incident.status == Status.ON_HOLD
        and incident.hold_reason is not None
        and incident.hold_reason.code == HoldReason.AWAITING_CUSTOMER
        and actor is not None
        and actor.pk == incident.reporter_id
    ):
        events.append(_resume(incident, None, answered=True))
    else:
        _save(incident, fields)
    _commit(events)
    return comment


@transaction.atomic
def do_add_attachment(
    incident: Incident,
    *,
    actor: User,
    upload: File[bytes],
    comment: Comment | None = None,
    visibility: str = Visibility.PUBLIC,
) -> Attachment:
    """Store a file under a generated name. The uploaded name is cleaned and kept for display
    only; the stored type is read from the bytes (`files.type_of`), never the uploader's word."""
    visibility = Visibility(visibility)
    if visibility == Visibility.INTERNAL:
        require(actor, "attach_internal", incident)
    if upload.size > settings.INCIDESK_MAX_ATTACHMENT_BYTES:
        raise InvalidInput.field(
            "file",
            _("The file is larger than %(mb)d MiB.")
            % {"mb": settings.INCIDESK_MAX_ATTACHMENT_BYTES // 2**20},
        )
    if upload.size == 0:
        raise InvalidInput.field("file", _("The file is empty."))
    incident = _lock(incident)
    if incident.is_final and not actor.is_desk_staff:
        raise _final(incident)
    if comment is not None and comment.visibility == Visibility.INTERNAL:
        visibility = Visibility.INTERNAL
    name = files.clean_name(upload.name or "")
    attachment = Attachment(
        incident=incident,
        comment=comment,
        original_name=name,
        content_type=files.type_of(files.read_head(upload)),
        size=upload.size,
        visibility=visibility,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _save(incident, [])
    _commit(
        [timeline.record_attachment_added(incident=incident, actor=actor, attachment=attachment)]
    )
    return attachment
