"""What Incidesk adds to django-otp's devices: recovery codes kept hashed, and the record of
each admin reset."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from incidesk.mfa.recovery import matching


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A person's set of one-time recovery codes (django-otp's static device keeps them as
    typed; this one keeps only their keyed hashes, `mfa.recovery`). A code works once: the
    attempt that deletes its row is the one that succeeds, so two sessions racing with the
    same code cannot both get in."""

    # django-otp's own field, without a reverse relation (nothing reads one, and the type
    # checker cannot resolve one onto a model whose base class is untyped).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))

    def verify_token(self, token: str) -> bool:
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        stored = list(self.codes.values_list("digest", flat=True))
        digest = matching(stored, self.user_id, token)
        if digest is not None and self.codes.filter(digest=digest).delete()[0]:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    """One unused recovery code, as its keyed hash (`mfa.recovery.hash_code`)."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.device_id}: …"


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
