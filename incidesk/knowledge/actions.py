"""Every change to the knowledge base: the only code that writes articles, their versions,
images, links and the owners' tasks. Each action checks rights and state, writes in one
transaction, keeps the search index and the version history in step, and promises its
background work (the validity reminder) in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from incidesk.accounts.models import MANAGER_ROLES, Organisation, User
from incidesk.catalog.models import Category, Service
from incidesk.core.errors import Forbidden, InvalidInput
from incidesk.core.promises import promise
from incidesk.core.text import checked_line, checked_text, clean_line
from incidesk.incidents import actions as incident_actions
from incidesk.incidents import files
from incidesk.incidents.models import Comment, Incident
from incidesk.incidents.status import Status
from incidesk.knowledge.access import Reader, can_edit, is_desk
from incidesk.knowledge.models import (
    Article,
    ArticleImage,
    ArticleLink,
    ArticleVersion,
    ArticleView,
    Audience,
    Feedback,
    OwnerTask,
    TaskKind,
)
from incidesk.knowledge.search import index_article
from incidesk.knowledge.status import LIFECYCLE, ArticleStatus
from incidesk.problems.models import Problem

TEXT_FIELDS = ("title_ru", "body_ru", "title_en", "body_en")
REMIND_DAYS = 14
"""How long before "valid until" the owner is asked to check the article."""
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _text(fields: dict[str, Any]) -> dict[str, str]:
    text = {
        "title_ru": clean_line(fields.get("title_ru")),
        "title_en": clean_line(fields.get("title_en")),
        "body_ru": checked_text("body_ru", fields.get("body_ru"), bounded=True),
        "body_en": checked_text("body_en", fields.get("body_en"), bounded=True),
    }
    if not text["title_ru"] and not text["title_en"]:
        raise InvalidInput.field("title_ru", _("Give the article a title in Russian or English."))
    for name in ("title_ru", "title_en"):
        if text[name]:
            checked_line(name, text[name], max_length=200)
    return text


def _tags(value: str) -> str:
    """Tags as stored: lower case, without spaces inside, comma-separated with commas around
    (`,vpn,printer,`) so one tag is found with `contains`."""
    tags = [clean_line(tag).lower().replace(" ", "-") for tag in str(value or "").split(",")]
    unique = list(dict.fromkeys(tag[:40] for tag in tags if tag))
    return f",{','.join(unique)}," if unique else ""


def _require_desk(actor: User) -> None:
    if not is_desk(actor):
        raise Forbidden(_("Only support staff may change articles."))


def _remember(article: Article, actor: User, note: str) -> None:
    """Save the text as a new version and re-index it (the article is saved already)."""
    ArticleVersion.objects.create(
        article=article,
        number=article.version,
        author=actor,
        note=clean_line(note)[:200],
        **{name: getattr(article, name) for name in TEXT_FIELDS},
    )
    index_article(article)


def _promise_reminder(article: Article) -> None:
    if article.valid_until is None or article.status != ArticleStatus.PUBLISHED:
        return
    start = datetime.combine(article.valid_until - timedelta(days=REMIND_DAYS), time(9))
    when = max(timezone.make_aware(start), timezone.now())
    from incidesk.knowledge.tasks import remind_owner

    promise(remind_owner, article.pk, article.valid_until.isoformat(), run_after=when)


@transaction.atomic
def do_create_article(
    *,
    actor: User,
    owner: User | None = None,
    audience: str = Audience.INTERNAL,
    organisations: list[Organisation] | None = None,
    category: Category | None = None,
    service: Service | None = None,
    tags: str = "",
    valid_until: date | None = None,
    source_incident: Incident | None = None,
    source_problem: Problem | None = None,
    **text: Any,
) -> Article:
    """A new draft (version 1), owned by `owner` (the writer when not given)."""
    _require_desk(actor)
    owner = owner or actor
    if not owner.is_desk_staff:
        raise InvalidInput.field("owner", _("The owner must be a member of the desk."))
    article = Article.objects.create(
        owner=owner,
        audience=Audience(audience),
        category=category,
        service=service,
        tags=_tags(tags),
        valid_until=valid_until,
        source_incident=source_incident,
        source_problem=source_problem,
        **_text(text),
    )
    if organisations:
        article.organisations.set(organisations)
    _remember(article, actor, pgettext("article", "Created"))
    return article


@transaction.atomic
def do_edit_article(
    article: Article,
    *,
    actor: User,
    expected_version: int | None = None,
    note: str = "",
    organisations: list[Organisation] | None = None,
    **fields: Any,
) -> Article:
    """Change the text and the settings. A change of text is a new version; a published
    article stays published (the edit is the desk's responsibility, and the history shows
    it)."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not can_edit(actor, article):
        raise Forbidden(_("An archived article cannot be changed; restore it first."))
    if expected_version is not None and article.version != expected_version:
        raise InvalidInput.field(
            "body_ru", _("Someone saved the article after you opened it: reload and try again.")
        )
    text = _text({name: fields.get(name, getattr(article, name)) for name in TEXT_FIELDS})
    changed_text = any(text[name] != getattr(article, name) for name in TEXT_FIELDS)
    old_until = article.valid_until
    for name, value in text.items():
        setattr(article, name, value)
    _apply_settings(article, fields)
    if changed_text:
        article.version += 1
    article.updated_at = timezone.now()
    article.save()
    if organisations is not None:
        article.organisations.set(organisations)
    if changed_text:
        _remember(article, actor, note)
    else:
        index_article(article)
    if article.valid_until != old_until:
        _promise_reminder(article)
    return article


def _apply_settings(article: Article, fields: dict[str, Any]) -> None:
    """Owner, catalogue, audience, tags and validity from an edit (those given)."""
    for name in ("owner", "category", "service", "valid_until"):
        if name in fields:
            setattr(article, name, fields[name])
    if not article.owner.is_desk_staff:
        raise InvalidInput.field("owner", _("The owner must be a member of the desk."))
    if "audience" in fields:
        article.audience = Audience(fields["audience"])
    if "tags" in fields:
        article.tags = _tags(fields["tags"])


@transaction.atomic
def do_transition(article: Article, verb: str, *, actor: User) -> Article:
    """Move the article along its life (`status.LIFECYCLE`). Sending for review gives every
    lead a task; publishing starts the validity reminder."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    chosen = LIFECYCLE.authorise(verb, article, actor)
    if (
        verb == "publish"
        and article.audience == Audience.CUSTOMERS
        and not article.organisations.exists()
    ):
        raise InvalidInput.field(
            "organisations", _("Choose the organisations whose customers may read it.")
        )
    article.status = chosen.next_status(article.status)
    now = timezone.now()
    article.updated_at = now
    if article.status == ArticleStatus.PUBLISHED:
        article.published_at = now
    article.save(update_fields=["status", "updated_at", "published_at"])
    if verb == "publish":
        OwnerTask.objects.filter(article=article, kind=TaskKind.REVIEW, done_at=None).update(
            done_at=now
        )
        _promise_reminder(article)
    if verb == "submit":
        _ask_for_review(article, actor)
    return article


def _ask_for_review(article: Article, actor: User) -> None:
    reviewers = User.objects.filter(role__in=MANAGER_ROLES, is_active=True).exclude(pk=actor.pk)
    OwnerTask.objects.bulk_create(
        [
            OwnerTask(
                article=article,
                owner=reviewer,
                kind=TaskKind.REVIEW,
                key=f"v{article.version}",
                text=str(_("Review and publish, or send back.")),
            )
            for reviewer in reviewers
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def do_add_image(article: Article, *, actor: User, upload: File[bytes]) -> ArticleImage:
    """Store a picture for the article. Only images (told by their bytes, as for incidents'
    files) are taken: an article shows nothing else inline."""
    _require_desk(actor)
    if upload.size is None or upload.size == 0:
        raise InvalidInput.field("file", _("The file is empty."))
    if upload.size > settings.INCIDESK_MAX_ATTACHMENT_BYTES:
        raise InvalidInput.field(
            "file",
            _("The file is larger than %(mb)d MiB.")
            % {"mb": settings.INCIDESK_MAX_ATTACHMENT_BYTES // 2**20},
        )
    content_type = files.type_of(files.read_head(upload))
    if content_type not in IMAGE_TYPES:
        raise InvalidInput.field("file", _("Only PNG, JPEG, GIF and WebP pictures."))
    name = files.clean_name(upload.name or "")
    image = ArticleImage(
        article=article,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    image.file.save(name, upload, save=False)
    image.save()
    return image


def _section(heading: str | Promise, text: str) -> str:
    """A Markdown section of a draft. The heading is translated by the caller, outside any
    f-string: xgettext does not look inside f-strings, so a msgid written there is never
    extracted and its translation is dropped when the catalogue is regenerated."""
    return f"## {heading}\n\n{text}"


def draft_body_from_incident(incident: Incident) -> str:
    """What an article written from a resolved incident starts with: the problem as the
    customer told it, and the resolution notes (the instructions)."""
    return "\n\n".join(
        part
        for part in (
            _section(_("Problem"), incident.description) if incident.description else "",
            _section(_("Solution"), incident.resolution_notes),
        )
        if part
    )


def do_draft_from_incident(incident: Incident, *, actor: User) -> Article:
    """One click on a resolved incident: a draft with its resolution, linked to it."""
    if incident.status not in (Status.RESOLVED, Status.CLOSED) or not incident.resolution_notes:
        raise InvalidInput.field(
            "incident", _("Only a resolved incident with resolution notes can become an article.")
        )
    return do_create_article(
        actor=actor,
        category=incident.category,
        service=incident.service,
        source_incident=incident,
        title_ru=incident.title,
        body_ru=draft_body_from_incident(incident),
    )


def do_draft_from_group(incidents: list[Incident], *, actor: User, title: str) -> Article:
    """ "Write the article" for a recurring group: a draft holding the group's distinct
    resolutions, linked to its first resolved incident. Refused while none is resolved."""
    resolved = [
        incident
        for incident in incidents
        if incident.status in (Status.RESOLVED, Status.CLOSED) and incident.resolution_notes
    ]
    if not resolved:
        raise InvalidInput.field(
            "incident", _("None of these incidents is resolved yet: there is nothing to write up.")
        )
    notes = list(dict.fromkeys(incident.resolution_notes for incident in resolved))
    solutions = "\n\n".join(f"- {note}" for note in notes)
    first = resolved[0]
    problem = _section(_("Problem"), first.description or first.title)
    solution = _section(_("Solution"), solutions)
    return do_create_article(
        actor=actor,
        category=first.category,
        service=first.service,
        source_incident=first,
        title_ru=title or first.title,
        body_ru=f"{problem}\n\n{solution}",
    )


def do_draft_from_problem(problem: Problem, *, actor: User) -> Article:
    """One click on a problem with a workaround: a draft of the known error, linked to it."""
    if not problem.workaround:
        raise InvalidInput.field("problem", _("The problem has no workaround to write up."))
    body = _section(_("Workaround"), problem.workaround)
    if problem.description:
        body = _section(_("Problem"), problem.description) + "\n\n" + body
    return do_create_article(
        actor=actor,
        category=problem.category,
        service=problem.service,
        source_problem=problem,
        title_ru=problem.title,
        body_ru=body,
    )


@transaction.atomic
def do_link_article(incident: Incident, article: Article, *, actor: User) -> ArticleLink:
    """Point the incident's resolution at an article (the customer's "result and
    instructions" lists it when they may read it). The incident itself is not changed."""
    _require_desk(actor)
    link, _created = ArticleLink.objects.get_or_create(
        incident=incident, article=article, defaults={"linked_by": actor}
    )
    return link


def do_send_as_reply(incident: Incident, article: Article, *, actor: User, link: str) -> Comment:
    """Answer the customer with the article in one step: a public reply through the incidents'
    own action (first response, notifications and all) carrying its title and address, and a
    link from the incident to it. Only an article the customer may read can be sent."""
    from incidesk.knowledge.access import visible_articles

    reader = incident.reporter
    if reader is None or not visible_articles(reader).filter(pk=article.pk).exists():
        raise InvalidInput.field(
            "article", _("The customer cannot read this article: publish it for them first.")
        )
    language = reader.language or settings.LANGUAGE_CODE
    body = f"{article.title_in(language)}\n{link}"
    with transaction.atomic():
        comment = incident_actions.do_add_comment(incident, actor=actor, body=body)
        do_link_article(incident, article, actor=actor)
    return comment


def record_view(article: Article, reader: Reader, *, suggested: bool) -> None:
    """Count an opening of a published article (desk staff reading it are not counted)."""
    if is_desk(reader) or article.status != ArticleStatus.PUBLISHED:
        return
    ArticleView.objects.create(
        article=article, user=reader if isinstance(reader, User) else None, suggested=suggested
    )


@transaction.atomic
def do_give_feedback(
    article: Article, reader: Reader, *, helped: bool, comment: str = ""
) -> Feedback:
    """Record "did this help?". A "no" becomes a task for the owner, in the same transaction,
    with the reader's comment."""
    if article.status != ArticleStatus.PUBLISHED:
        raise InvalidInput.field("helped", _("Only published articles take answers."))
    user = reader if isinstance(reader, User) else None
    if user is not None:
        Feedback.objects.filter(article=article, user=user).delete()
    feedback = Feedback.objects.create(
        article=article,
        user=user,
        helped=helped,
        comment=checked_text("comment", comment, bounded=True),
    )
    if not helped:
        OwnerTask.objects.create(
            article=article,
            owner=article.owner,
            kind=TaskKind.NOT_HELPED,
            key=str(feedback.pk),
            text=feedback.comment,
        )
    return feedback


@transaction.atomic
def do_finish_task(task: OwnerTask, *, actor: User) -> OwnerTask:
    if task.owner_id != actor.pk:
        raise Forbidden(_("This task is someone else's."))
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    return task
