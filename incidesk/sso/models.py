"""Which provider's person each linked account is."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Identity(models.Model):
    """A person at an OpenID provider (its `sub`, stable where the e-mail is not) and the
    local account they sign in as. Made at the first sign-in that links or creates the
    account; later sign-ins find the account by it, whatever the e-mail has become."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="sso_identities",
    )
    provider = models.CharField(_("provider"), max_length=32)
    subject = models.CharField(pgettext_lazy("identity", "subject"), max_length=255)
    groups = models.JSONField(_("groups"), default=list, blank=True)
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_identity_unique")
        ]
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject} → {self.user_id}"


class ProviderGrant(models.Model):
    """One desk session signed in through a provider, as the provider knows it: the person
    there (`sub`) and their session there (`sid`), for the provider's back-channel sign-out;
    and the refresh token the session is checked with every INCIDESK_OIDC_RECHECK_MINUTES
    (`sso.middleware`), with whether it is an offline grant, which outlives the person's
    session at the provider, so that only the provider withdrawing it (account disabled or
    deleted, access revoked) ends it. The session holds this row's id, not the token: a
    session saved by a concurrent request cannot put back a token the provider has already
    replaced."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="sso_grants",
    )
    provider = models.CharField(_("provider"), max_length=32)
    subject = models.CharField(pgettext_lazy("identity", "subject"), max_length=255)
    sid = models.CharField(max_length=255, blank=True)
    # The desk session's key, kept up to date when it changes (the second factor's step).
    session_key = models.CharField(max_length=40, blank=True)
    # Empty when the provider gave none: the session is not checked, only ended by the provider.
    refresh_token = models.TextField(blank=True)
    offline = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["provider", "subject"], name="sso_grant_subject")]
        verbose_name = _("provider grant")
        verbose_name_plural = _("provider grants")

    def __str__(self) -> str:
        return f"{self.provider} → {self.user_id}"
