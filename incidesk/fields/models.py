"""Custom field definitions: typed fields an administrator adds to incidents.

The values live in one JSON column, `Incident.custom` (code → value), never one column per
field: a definition is data, so adding, renaming or retiring one needs no migration, and an
upgrade never has to rewrite a desk's columns. A definition is deactivated, never deleted
(the admin offers no delete), and its code cannot change, so stored values keep their meaning.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from incidesk.catalog.models import Category
from incidesk.incidents.models import Kind

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", pgettext_lazy("field type", "Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("One choice")
    CHOICES = "choices", _("Several choices")
    BOOLEAN = "boolean", _("Yes/no")


CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.CHOICES})


def in_language(ru: str, en: str) -> str:
    """The Russian text unless English is active (as catalogue names)."""
    return en if (get_language() or "ru").startswith("en") else ru


class FieldDefinition(models.Model):
    code = models.CharField(
        _("code"),
        max_length=50,
        unique=True,
        validators=[
            RegexValidator(
                CODE_PATTERN,
                _("Latin lower-case letters, digits and _, starting with a letter."),
            )
        ],
        help_text=_("The key in the API and exports; it cannot change once saved."),
    )
    label_ru = models.CharField(_("label (Russian)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    field_type = models.CharField(_("type"), max_length=10, choices=FieldType)
    # [{"code": "...", "ru": "...", "en": "..."}]; a removed choice stays readable in stored
    # values (shown by its code).
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # Kind codes the field applies to; empty: every kind.
    kinds = models.JSONField(_("kinds"), default=list, blank=True)
    categories = models.ManyToManyField(
        Category,
        verbose_name=_("categories"),
        blank=True,
        help_text=_("Empty: every category. A subcategory must be chosen itself."),
    )
    required_on_create = models.BooleanField(_("required on registration"), default=False)
    required_on_resolve = models.BooleanField(_("required to resolve"), default=False)
    customer_visible = models.BooleanField(_("customers see it"), default=False)
    customer_fillable = models.BooleanField(_("customers fill it in"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.label_ru, self.label_en)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.pk is not None:
            stored = FieldDefinition.objects.filter(pk=self.pk).values_list("code", flat=True)
            if stored and stored[0] != self.code:
                errors["code"] = _("The code cannot change: stored values are kept under it.")
        if self.field_type in CHOICE_TYPES and not self.choices:
            errors["choices"] = _("A choice field needs at least one choice.")
        if self.field_type not in CHOICE_TYPES and self.choices:
            errors["choices"] = _("Only choice fields have choices.")
        if set(self.kinds) - set(Kind.values):
            errors["kinds"] = _("Unknown kind.")
        if self.customer_fillable and not self.customer_visible:
            errors["customer_visible"] = _("A field customers fill in must be visible to them.")
        if errors:
            raise ValidationError(errors)
