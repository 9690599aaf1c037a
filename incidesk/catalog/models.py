"""Reference data: the vocabularies incidents are classified with.

Every entry has a stable `code` (used by the API, reports and scripts) and a Russian and an English
name; admins edit them in the Django admin. Entries are deactivated, never deleted, so history keeps
its meaning.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Impact and urgency share one three-step scale."""

    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class ReferenceEntry(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Russian unless English is active)."""
        return self.name_en if (get_language() or "ru").startswith("en") else self.name_ru


class Category(ReferenceEntry):
    """What the incident is about, two levels deep (Оборудование > Принтер)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def clean(self) -> None:
        if self.parent is not None and self.parent.parent_id:
            raise ValidationError({"parent": _("Categories are at most two levels deep.")})


class Service(ReferenceEntry):
    """An affected business or IT service (e-mail, 1C, VPN...)."""

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("service")
        verbose_name_plural = _("services")


class Cause(ReferenceEntry):
    """Why the incident happened. Top-level codes are fixed by the mission and used by reports;
    a top-level cause may have sub-causes (technical fault > hardware)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("cause")
        verbose_name_plural = _("causes")

    @property
    def root_code(self) -> str:
        return self.parent.code if self.parent is not None else self.code


class ResolutionCode(ReferenceEntry):
    """How the incident was resolved (fixed, workaround, duplicate...)."""

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("resolution code")
        verbose_name_plural = _("resolution codes")


class HoldReason(ReferenceEntry):
    """Why an incident is on hold. `awaiting_customer` is the information-request reason."""

    AWAITING_CUSTOMER = "awaiting_customer"

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("hold reason")
        verbose_name_plural = _("hold reasons")


class PriorityRule(models.Model):
    """One cell of the impact x urgency matrix. The matrix is data so a desk can change it."""

    impact = models.CharField(_("impact"), max_length=8, choices=Level)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Level)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=[(p, f"P{p}") for p in range(1, 6)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="unique_priority_cell")
        ]
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority matrix")

    def __str__(self) -> str:
        return f"{self.get_impact_display()} / {self.get_urgency_display()} → P{self.priority}"
