"""Reports sent from the portal without signing in.

Anyone may type any address into the form, so nothing is filed in anybody's name until the owner
of the address confirms the report through a link mailed there. Every address gets the same
answer on the page (an existing customer, desk staff, a disabled account, an unknown address),
so the form tells nobody who has an account. A disabled account's address is sent nothing and
its report can never be confirmed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from incidesk.accounts.contacts import contact_for
from incidesk.accounts.models import User
from incidesk.catalog.models import Category, Service
from incidesk.core.errors import InvalidInput
from incidesk.core.promises import promise
from incidesk.fields.definitions import Definition
from incidesk.incidents import actions
from incidesk.incidents.actions.customfields import values_for_new
from incidesk.incidents.models import Channel, Incident
from incidesk.mail.sending import RETRY_MINUTES
from incidesk.portal.forms import custom_values
from incidesk.portal.models import PendingFile, PendingReport, TrackingLink, hash_token

# Expired reports are removed a batch at a time by each new anonymous submission.
PURGE_BATCH = 100


@dataclass(frozen=True)
class Confirmed:
    """The incident a confirmation filed, who reported it, and the tracking token for a
    customer (empty for desk staff, who follow it in the console)."""

    incident: Incident
    reporter: User
    token: str


def _check_files(files: list[UploadedFile]) -> None:
    """The attachment action's own limits, checked now: a confirmed report must not fail."""
    limit = settings.INCIDESK_MAX_ATTACHMENT_BYTES
    for upload in files:
        # Django sets the size of every file it parses from a request.
        size = cast(int, upload.size)
        if size > limit:
            raise InvalidInput.field(
                "file", _("The file is larger than %(mb)d MiB.") % {"mb": limit // 2**20}
            )
        if size == 0:
            raise InvalidInput.field("file", _("The file is empty."))


def submit(data: dict, language: str, fillable: list[Definition]) -> PendingReport:
    """Keep the form's fields, the values of its custom fields (`fillable`) and its files as a
    pending report and queue the confirmation mail.

    Raises `InvalidInput` for what the incident actions would refuse later (custom values are
    checked as a customer's by the registration's own check), so a report that reaches its
    owner can be filed. The confirmation mail is promised in the transaction that stores the
    report (`core.promises`), so neither is kept without the other.
    """
    _check_files(data["files"])
    if len(data["description"].strip().encode()) > actions.MAX_DESCRIPTION_BYTES:
        raise InvalidInput.field("description", _("At most 64 KiB of text."))
    category = Category.objects.filter(code=data["category"]).first() if data["category"] else None
    values = values_for_new(
        custom_values(data, fillable, data["kind"], category),
        kind=data["kind"],
        category_id=category.pk if category is not None else None,
        customer=True,
    )
    from incidesk.portal.tasks import send_report_confirmation  # tasks imports this module

    with transaction.atomic():
        purge_expired()
        report = _store(data, language, values)
        promise(send_report_confirmation, report.pk)
    return report


def _store(data: dict, language: str, custom: dict[str, Any]) -> PendingReport:
    now = timezone.now()
    report = PendingReport.objects.create(
        email=User.objects.normalize_email(data["contact_email"].strip()).lower(),
        name=data["contact_name"].strip(),
        phone=data["contact_phone"].strip(),
        language=language,
        kind=data["kind"],
        title=data["title"].strip(),
        description=data["description"].strip(),
        category=data["category"] or "",
        service=data["service"] or "",
        impact=data["impact"],
        urgency=data["urgency"],
        custom=custom,
        created_at=now,
        expires_at=now + timedelta(hours=settings.INCIDESK_REPORT_CONFIRM_HOURS),
    )
    for upload in data["files"]:
        pending = PendingFile(
            report=report,
            original_name=(upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:255],
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size,
        )
        pending.file.save("upload", upload, save=False)
        pending.save()
    return report


def purge_expired() -> int:
    """Remove a batch of expired reports and their files; returns how many."""
    expired = list(
        PendingReport.objects.filter(expires_at__lte=timezone.now())
        .prefetch_related("files")
        .order_by("expires_at")[:PURGE_BATCH]
    )
    for report in expired:
        report.discard()
    return len(expired)


def _owner(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def _claim(report_id: int) -> tuple[PendingReport, User | None, str] | None:
    """Give the report a fresh token under its row lock, or discard it if it may not be sent."""
    with transaction.atomic():
        report = (
            PendingReport.objects.select_for_update()
            .filter(pk=report_id, mailed_at__isnull=True)
            .first()
        )
        if report is None:
            return None
        owner = _owner(report.email)
        if report.expires_at <= timezone.now() or (owner is not None and not owner.is_active):
            report.discard()
            return None
        token = secrets.token_urlsafe(32)
        report.token_hash = hash_token(token)
        report.mailed_at = timezone.now()
        report.attempts += 1
        report.save(update_fields=["token_hash", "mailed_at", "attempts"])
    return report, owner, token


def _message(report: PendingReport, owner: User | None, token: str) -> EmailMessage:
    language = owner.language if owner is not None else report.language
    with translation.override(language or settings.LANGUAGE_CODE):
        title = " ".join(report.title.split())
        context = {
            "name": owner.full_name if owner is not None and owner.full_name else report.name,
            "title": title,
            "url": settings.INCIDESK_BASE_URL + reverse("portal:confirm", args=[token]),
            "hours": settings.INCIDESK_REPORT_CONFIRM_HOURS,
        }
        subject = _("Confirm your request: %(title)s") % {"title": title}
        body = render_to_string("portal/confirm_mail.txt", context)
    return EmailMessage(
        subject=subject[:255],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[report.email],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "Content-Language": language,
        },
    )


def send_confirmation(report_id: int) -> str:
    """Mail the confirmation link; a failure is retried with the mail log's pauses, each try
    with a new token (only a token's hash is ever stored, so the raw one cannot be resent)."""
    claimed = _claim(report_id)
    if claimed is None:
        return "skipped"
    report, owner, token = claimed
    try:
        _message(report, owner, token).send()
    except Exception:  # any backend failure: try again later with a new link
        PendingReport.objects.filter(pk=report.pk).update(token_hash=None, mailed_at=None)
        if report.attempts > len(RETRY_MINUTES):
            return "failed"
        from incidesk.portal.tasks import send_report_confirmation

        delay = timedelta(minutes=RETRY_MINUTES[report.attempts - 1])
        promise(send_report_confirmation, report.pk, run_after=timezone.now() + delay)
        return "retrying"
    return "sent"


def find(token: str) -> PendingReport | None:
    """The unexpired report of this token, unless its address belongs to a disabled account.
    Every refusal looks the same to the visitor."""
    report = (
        PendingReport.objects.filter(token_hash=hash_token(token), expires_at__gt=timezone.now())
        .prefetch_related("files")
        .first()
    )
    if report is None:
        return None
    owner = _owner(report.email)
    if owner is not None and not owner.is_active:
        return None
    return report


@transaction.atomic
def confirm(token: str) -> Confirmed | None:
    """File the report as the owner of its address (a new contact for an unknown one) with its
    files, and delete it. None if the token opens no report; a refusal of the incident actions
    (a category retired meanwhile) raises their `DomainError` and keeps the report."""
    found = find(token)
    if found is None:
        return None
    report = PendingReport.objects.select_for_update().filter(pk=found.pk).first()
    if report is None:  # confirmed by a concurrent request
        return None
    owner = _owner(report.email) or contact_for(report.email, report.name, report.language)
    customer = owner.is_customer
    # A customer registers with the fields the form offered them (checked again, as at any
    # registration); a desk agent's own address files it as theirs, and the agent's required
    # fields are not the form's, so the values are set after, by the edit action.
    incident = actions.do_create_incident(
        actor=owner,
        title=report.title,
        description=report.description,
        kind=report.kind,
        impact=report.impact,
        urgency=report.urgency,
        category=Category.objects.filter(code=report.category).first() if report.category else None,
        service=Service.objects.filter(code=report.service).first() if report.service else None,
        channel=Channel.PORTAL,
        contact_name=report.name,
        contact_email=report.email,
        contact_phone=report.phone,
        custom=report.custom if customer else None,
    )
    if report.custom and not customer:
        incident = actions.do_set_custom_fields(incident, actor=owner, values=report.custom)
    for pending in report.files.all():
        with pending.file.open("rb") as stored:
            upload = UploadedFile(
                stored,
                name=pending.original_name,
                content_type=pending.content_type,
                size=pending.size,
            )
            actions.do_add_attachment(incident, actor=owner, upload=upload)
    report.discard()
    return Confirmed(
        incident=incident, reporter=owner, token=TrackingLink.issue(incident) if customer else ""
    )
