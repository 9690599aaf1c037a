"""What Incidesk adds to django-otp's devices: the record of each admin reset."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecondFactorReset(models.Model):
    """An admin took away someone's authenticator and recovery codes (a lost phone). Kept so
    that a reset nobody asked for can be seen: who reset whose second factor, and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="second_factor_resets",
    )
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reset by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("two-factor reset")
        verbose_name_plural = _("two-factor resets")

    def __str__(self) -> str:
        return f"{self.user} ({self.at:%Y-%m-%d %H:%M})"
