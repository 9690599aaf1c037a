"""Macros: a reply with placeholders, field changes and a status verb, applied in one step."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Team
from incidesk.catalog.models import Category, Cause, HoldReason, Level, ResolutionCode, Service
from incidesk.core.text import clean_line, clean_text
from incidesk.incidents.models import Visibility
from incidesk.macros import placeholders


class Scope(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    TEAM = "team", _("Shared with a team")
    DESK = "desk", _("Shared with the whole desk")


class MacroVerb(models.TextChoices):
    """The status verbs a macro may end with (each is the incident action of the same name)."""

    ACCEPT = "accept", _("Accept")
    HOLD = "hold", _("Put on hold")
    REQUEST_INFO = "request-info", _("Request information")
    RESUME = "resume", _("Resume")
    RESOLVE = "resolve", _("Resolve")


TEXT_FIELDS = ("reply_ru", "reply_en", "verb_text_ru", "verb_text_en")


class Macro(models.Model):
    """A canned reply and the changes that go with it.

    Personal macros belong to their `owner`; shared ones to a team (`for_team`) or to the whole
    desk. The reply has a Russian and an English text, chosen by the customer's language (the
    other one when that is empty). Texts may use the placeholders of `placeholders.PLACEHOLDERS`
    and nothing else. Applying a macro runs the incident actions (`macros.apply`), so a macro can
    do nothing an agent could not do by hand.
    """

    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("who may use it"), max_length=16, choices=Scope)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
    )
    for_team = models.ForeignKey(
        Team,
        verbose_name=_("for team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
    )
    reply_ru = models.TextField(_("reply (Russian)"), blank=True)
    reply_en = models.TextField(_("reply (English)"), blank=True)
    reply_visibility = models.CharField(
        _("reply goes as"), max_length=16, choices=Visibility, default=Visibility.PUBLIC
    )
    set_team = models.ForeignKey(
        Team,
        verbose_name=_("move to team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assign_to_self = models.BooleanField(_("assign to whoever applies it"), default=False)
    set_category = models.ForeignKey(
        Category,
        verbose_name=_("set category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    set_service = models.ForeignKey(
        Service,
        verbose_name=_("set service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    set_impact = models.CharField(_("set impact"), max_length=16, choices=Level, blank=True)
    set_urgency = models.CharField(_("set urgency"), max_length=16, choices=Level, blank=True)
    set_priority = models.PositiveSmallIntegerField(
        _("override priority"),
        null=True,
        blank=True,
        choices=[(n, f"P{n}") for n in range(1, 6)],
        help_text=_("Only leads and admins may apply a macro that overrides the priority."),
    )
    verb = models.CharField(_("then"), max_length=16, choices=MacroVerb, blank=True)
    hold_reason = models.ForeignKey(
        HoldReason,
        verbose_name=_("hold reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cause = models.ForeignKey(
        Cause,
        verbose_name=_("cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_code = models.ForeignKey(
        ResolutionCode,
        verbose_name=_("resolution code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verb_text_ru = models.TextField(_("question, note or resolution (Russian)"), blank=True)
    verb_text_en = models.TextField(_("question, note or resolution (English)"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope=Scope.PERSONAL, owner__isnull=False, for_team__isnull=True)
                    | Q(scope=Scope.TEAM, owner__isnull=True, for_team__isnull=False)
                    | Q(scope=Scope.DESK, owner__isnull=True, for_team__isnull=True)
                ),
                name="macro_scope_matches_owner_and_team",
                violation_error_message=_(
                    "A personal macro has an owner and no team, a team's macro a team and no "
                    "owner, a macro for the whole desk neither."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = clean_line(self.name)
        for field in TEXT_FIELDS:
            setattr(self, field, clean_text(getattr(self, field)))
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def has_reply(self) -> bool:
        return bool(self.reply_ru.strip() or self.reply_en.strip())

    @property
    def has_verb_text(self) -> bool:
        return bool(self.verb_text_ru.strip() or self.verb_text_en.strip())

    @property
    def reply_is_public(self) -> bool:
        return self.reply_visibility == Visibility.PUBLIC

    @property
    def changes_fields(self) -> bool:
        return bool(
            self.set_team_id
            or self.assign_to_self
            or self.set_category_id
            or self.set_service_id
            or self.set_impact
            or self.set_urgency
            or self.set_priority
        )

    @property
    def asks_customer(self) -> bool:
        """Whether the verb asks the customer a question: an information request, or a hold
        awaiting the customer (which is one, `actions.do_hold`)."""
        if self.verb == MacroVerb.REQUEST_INFO:
            return True
        return (
            self.verb == MacroVerb.HOLD
            and self.hold_reason is not None
            and self.hold_reason.code == HoldReason.AWAITING_CUSTOMER
        )

    def clean(self) -> None:
        """What a macro must be to be applied at all, in words, per field."""
        self.name = clean_line(self.name)
        errors: dict[str, list[Any]] = {}
        for field in TEXT_FIELDS:
            try:
                placeholders.validate(getattr(self, field))
            except ValidationError as error:
                errors.setdefault(field, []).extend(error.messages)
        if self.scope == Scope.TEAM and self.for_team_id is None:
            errors.setdefault("for_team", []).append(_("Choose the team that shares it."))
        if self.scope == Scope.PERSONAL and self.owner_id is None:
            errors.setdefault("owner", []).append(_("Choose whose personal macro it is."))
        errors.update(self._verb_errors())
        if not (self.has_reply or self.changes_fields or self.verb):
            errors.setdefault("reply_ru", []).append(
                _("A macro must reply, change a field or change the status.")
            )
        if errors:
            raise ValidationError(errors)

    def _verb_errors(self) -> dict[str, list[Any]]:
        needs_text = (self.asks_customer or self.verb == MacroVerb.RESOLVE) and not (
            self.has_verb_text or (self.has_reply and self.reply_is_public)
        )
        if needs_text and self.verb == MacroVerb.RESOLVE:
            return {
                "verb_text_ru": [
                    _("Write the resolution for the customer, or a public reply that gives it.")
                ]
            }
        if needs_text:
            return {
                "verb_text_ru": [
                    _("Write the question to the customer, or a public reply that asks it.")
                ]
            }
        if self.verb == MacroVerb.HOLD and self.hold_reason_id is None:
            return {"hold_reason": [_("Choose why the incident waits.")]}
        if self.verb == MacroVerb.RESOLVE and self.cause_id is None:
            return {"cause": [_("The cause is required to resolve.")]}
        if self.verb == MacroVerb.RESOLVE and self.resolution_code_id is None:
            return {"resolution_code": [_("The resolution code is required.")]}
        return {}

    def text(self, stem: str, language: str) -> str:
        """The `stem` text ("reply", "verb_text") in `language`, or in the other language when
        that one is empty."""
        ru, en = getattr(self, f"{stem}_ru"), getattr(self, f"{stem}_en")
        first, second = (en, ru) if language.startswith("en") else (ru, en)
        return first if first.strip() else second
