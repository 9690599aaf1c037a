"""People and groups: users with a role, teams of agents and customer organisations."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.core.compiled import CompiledQuery
from incidesk.core.text import clean_line


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Team lead")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.LEAD, Role.ADMIN})
MANAGER_ROLES = frozenset({Role.LEAD, Role.ADMIN})


class Organisation(models.Model):
    """A customer company. `shared_visibility` lets its customers see each other's incidents;
    `watchers_any_address` lets them add people outside it as watchers of theirs."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    shared_visibility = models.BooleanField(
        _("colleagues see each other's incidents"), default=False
    )
    # Off: a customer may add only people of their own organisation as watchers.
    watchers_any_address = models.BooleanField(
        _("customers may add any address as a watcher"), default=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = clean_line(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Before the form's uniqueness check, so "ACME\r" is found to be "ACME".
        self.name = clean_line(self.name)


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def get(self, *args: Any, **kwargs: Any) -> User:
        """`get(pk=<int>)` through a statement compiled once (`core.compiled`): Django's
        `ModelBackend.get_user` reads the signed-in user so on every web request, and the ORM's
        building and compiling of that SELECT cost more than the database's answer. Anything
        else, or another database, is the ORM's `get`."""
        pk = kwargs.get("pk")
        if args or len(kwargs) != 1 or type(pk) is not int or self._db not in (None, "default"):
            return super().get(*args, **kwargs)
        found = _BY_PK.first(pk)
        if found is None:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return found


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in, by e-mail. The role decides what they may see and do.

    Admins get the Django admin (is_staff/is_superuser follow the role); customers may belong to
    an organisation; time zone and language are used for what the user is shown and sent.
    """

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.CUSTOMER)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(_("active"), default=True)
    # A customer whose incidents routing rules may treat first (`automation.conditions`).
    vip = models.BooleanField(_("VIP"), default=False)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    # Whether the stored row was active before this save (None: new, or not saving
    # `is_active`); set by `accounts.signals` so a deactivation is seen after it is written.
    _was_active: bool | None
    # The stored `signals.STAFF_LIST_FIELDS` read in the same query (None when it did not run).
    _stored: tuple[Any, ...] | None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.full_name, self.phone = clean_line(self.full_name), clean_line(self.phone)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Names reach e-mail headers and spreadsheets: one line, no control characters, from
        whichever surface (admin, e-mail contact, command) the account comes."""
        self.email = self.email.lower()
        self.full_name, self.phone = clean_line(self.full_name), clean_line(self.phone)
        self.is_staff = self.role == Role.ADMIN
        self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_desk_staff(self) -> bool:
        """Agents, leads and admins: the people who work incidents."""
        return self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        """Leads and admins: may override priority and move incidents between teams."""
        return self.role in MANAGER_ROLES

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class Team(models.Model):
    """An assignment group of agents with a lead."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    lead = models.ForeignKey(
        User,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), related_name="teams", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("support team")
        verbose_name_plural = _("support teams")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = clean_line(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = clean_line(self.name)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: User) -> str:
        """Create a token for `user` and return the raw value (never stored)."""
        raw = "ink_" + secrets.token_urlsafe(32)
        cls.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[4:12])
        return raw


class SignInMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    DIRECTORY = "directory", _("LDAP / Active Directory")
    SINGLE_SIGN_ON = "sso", _("Single sign-on")
    OTHER = "other", _("Other")


class SecondFactor(models.TextChoices):
    """What a person gave after their password (`mfa`); blank on a first-factor entry."""

    TOTP = "totp", _("Authenticator app")
    RECOVERY_CODE = "recovery_code", _("Recovery code")
    PASSKEY = "passkey", _("Passkey (WebAuthn)")


class SignInEvent(models.Model):
    """One sign-in attempt, kept for the admin: who (or what was typed, when nobody matched),
    how, from where, and whether it succeeded. A second factor is an entry of its own after the
    password's, naming the factor given or tried. Written once, never changed."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_ins",
    )
    login = models.CharField(_("login typed"), max_length=254, blank=True)
    method = models.CharField(_("method"), max_length=16, choices=SignInMethod.choices)
    second_factor = models.CharField(
        _("second factor"), max_length=16, choices=SecondFactor.choices, blank=True
    )
    succeeded = models.BooleanField(_("succeeded"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.login} {self.method} {self.succeeded}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Sign-in events are append-only.")
        super().save(*args, **kwargs)


# The signed-in user's look-up by key (`UserManager.get`).
_BY_PK: CompiledQuery[User] = CompiledQuery(lambda pk: User.objects.filter(pk=pk), integers=True)
