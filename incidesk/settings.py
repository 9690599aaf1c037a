"""Incidesk settings: every value comes from an environment variable with a safe default.

One module, no per-environment files: a deployment differs only by its environment.
"""

import os
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from incidesk.mfa.relying_party import relying_party, usable
from incidesk.sso.config import providers_from

# Lets the admin classes name their model (`admin.ModelAdmin[Team]`) for the type checker.
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    return [item.strip() for item in environ.get(name, default).split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """A rate limit such as "30/10m": that many requests per that many s, m, h or d."""
    rate = os.environ.get(name, default).strip()
    if not re.fullmatch(r"\d+/\d*[smhd]", rate):
        raise ImproperlyConfigured(f'{name}="{rate}" is not a rate like "30/10m" or "5/h".')
    return rate


DATA_DIR = Path(os.environ.get("INCIDESK_DATA_DIR", Path.cwd() / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SECRET_KEY if set; otherwise generate one once and keep it in the data folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",  # serves the API docs' Swagger UI from its package, not from a CDN
    "django_htmx",
    "bootstrap",
    "django_tasks",
    "django_tasks_db",
    "incidesk.core",
    "incidesk.accounts",
    "incidesk.catalog",
    "incidesk.incidents",
    "incidesk.fields",
    "incidesk.problems",
    "incidesk.sla",
    "incidesk.automation",
    "incidesk.notifications",
    "incidesk.mail",
    "incidesk.demo",
    "incidesk.web",
    "incidesk.portal",
    "incidesk.console",
    "incidesk.macros",
    "incidesk.analytics",
    "incidesk.recurring",
    "incidesk.knowledge",
    "incidesk.directory",
    "incidesk.sso",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    # After django-otp's plugins: its admin takes their device pages out of the admin.
    "incidesk.mfa",
    # After the project's apps, so that their templates (admin/base_site.html: the favicon)
    # override the admin's.
    "django.contrib.admin",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "incidesk.directory.middleware.DirectoryRecheckMiddleware",
    "incidesk.sso.middleware.ProviderRecheckMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "incidesk.mfa.middleware.SecondFactorMiddleware",
    "incidesk.core.middleware.PrivateCacheControlMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "incidesk.web.fragments.SignInForFragmentsMiddleware",
    "incidesk.web.middleware.UserPreferencesMiddleware",
    "incidesk.web.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Django's templates, with select widgets drawn in Python (the same markup, a fraction of the
# time: `web/renderers.py`).
FORM_RENDERER = "incidesk.web.renderers.FastSelectRenderer"
ROOT_URLCONF = "incidesk.urls"
WSGI_APPLICATION = "incidesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


def _database() -> dj_database_url.DBConfig:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'incidesk.sqlite3'}"
    # A connection is kept for CONN_MAX_AGE seconds (default 60) instead of opened per request:
    # a new PostgreSQL connection costs about as much as an intake's whole transaction, and a
    # sync gunicorn worker holds at most one. Health checks: a kept connection that broke in a
    # database outage is replaced at the next request instead of failing it. 0 closes after
    # every request (behind a transaction-pooling proxy such as PgBouncer).
    db = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")), conn_health_checks=True
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Several web workers and the task worker share one file: WAL lets readers run beside
        # the writer, IMMEDIATE takes the write lock at BEGIN and the timeout makes a second
        # writer wait for it instead of failing with "database is locked". Writers queue on a
        # kernel lock beside the file (`core/writelock.py`) and are woken when it frees.
        db["ENGINE"] = "incidesk.core.sqlite"
        db["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=30000;"
                "PRAGMA foreign_keys=ON;"
            ),
        }
    if db["ENGINE"].endswith("postgresql"):
        db["ENGINE"] = "incidesk.core.postgresql"  # Django's, with a health check without a query
        # Values travel beside the SQL (the extended protocol, unnamed statements, so a
        # transaction-pooling proxy still works) instead of being quoted into its text by
        # psycopg in Python: 5 % of a registration's instructions.
        db["OPTIONS"] = {"server_side_binding": True, **db.get("OPTIONS", {})}
    # Tests run on PostgreSQL in TEST_DATABASE_NAME, on SQLite in memory. The in-memory name is
    # spelled out because pytest-django knows SQLite by Django's own engine name only: for
    # another engine it would make a file name of the database's path for each xdist worker.
    db["TEST"] = (
        {"NAME": os.environ.get("TEST_DATABASE_NAME")}
        if db["ENGINE"].endswith("postgresql")
        else {"NAME": ":memory:"}
    )
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"


def ldap_settings(environ: Mapping[str, str]) -> dict | None:
    """Sign-in against LDAP / Active Directory (`incidesk/directory`), on when INCIDESK_LDAP_URI
    is set. Passwords never cross the network in clear: ldaps://, or ldap:// with StartTLS; the
    server's certificate is always checked (INCIDESK_LDAP_CA_FILE, else the system's CAs)."""
    uri = environ.get("INCIDESK_LDAP_URI", "").strip()
    if not uri:
        return None
    start_tls = env_bool("INCIDESK_LDAP_START_TLS", environ=environ)
    if uri.lower().startswith("ldaps://") == start_tls:
        raise ImproperlyConfigured(
            "INCIDESK_LDAP_URI: use ldaps://, or ldap:// with INCIDESK_LDAP_START_TLS=1."
        )
    user_base = environ.get("INCIDESK_LDAP_USER_BASE", "").strip()
    if not user_base:
        raise ImproperlyConfigured("INCIDESK_LDAP_USER_BASE: the DN under which people are.")
    login_attr = environ.get("INCIDESK_LDAP_LOGIN_ATTR", "sAMAccountName").strip()
    if login_attr.lower() not in {"samaccountname", "userprincipalname", "mail", "uid"}:
        raise ImproperlyConfigured(
            f'INCIDESK_LDAP_LOGIN_ATTR="{login_attr}": one of sAMAccountName, '
            "userPrincipalName, mail, uid."
        )
    attributes = {"full_name": "displayName", "email": "mail", "phone": "telephoneNumber"}
    attributes["department"] = "department"
    for pair in env_list("INCIDESK_LDAP_ATTRIBUTES", "", environ):
        field, _sep, attribute = pair.partition("=")
        if field.strip() not in attributes or not attribute.strip():
            raise ImproperlyConfigured(
                f'INCIDESK_LDAP_ATTRIBUTES: "{pair}" is not field=attribute with a field of '
                + ", ".join(attributes)
            )
        attributes[field.strip()] = attribute.strip()
    return {
        "uri": uri,
        "start_tls": start_tls,
        "ca_file": environ.get("INCIDESK_LDAP_CA_FILE", "").strip(),
        "bind_dn": environ.get("INCIDESK_LDAP_BIND_DN", "").strip(),
        "bind_password": environ.get("INCIDESK_LDAP_BIND_PASSWORD", ""),
        "user_base": user_base,
        "user_filter": environ.get("INCIDESK_LDAP_USER_FILTER", "(objectClass=person)").strip(),
        "login_attr": login_attr,
        "group_base": environ.get("INCIDESK_LDAP_GROUP_BASE", "").strip() or user_base,
        "group_filter": environ.get(
            "INCIDESK_LDAP_GROUP_FILTER", "(|(objectClass=group)(objectClass=groupOfNames))"
        ).strip(),
        "attributes": attributes,
        "timeout": int(environ.get("INCIDESK_LDAP_TIMEOUT", "10")),
        "recheck_minutes": int(environ.get("INCIDESK_LDAP_RECHECK_MINUTES", "15")),
        "sync_max_deactivate": int(environ.get("INCIDESK_LDAP_SYNC_MAX_DEACTIVATE", "10")),
    }


INCIDESK_LDAP = ldap_settings(os.environ)

# Single sign-on through OpenID providers (`incidesk/sso`, docs/oidc.md): off until
# INCIDESK_OIDC_PROVIDERS names some. With INCIDESK_OIDC_STAFF_PASSWORD=0 staff sign in only
# through a provider (or the directory) while customers keep their local passwords.
INCIDESK_OIDC_PROVIDERS = providers_from(os.environ)
INCIDESK_OIDC_STAFF_PASSWORD = env_bool("INCIDESK_OIDC_STAFF_PASSWORD", default=True)
# How often a session signed in through a provider asks it again (its refresh token), so a
# person the provider no longer vouches for is out at the next request after that.
INCIDESK_OIDC_RECHECK_MINUTES = int(os.environ.get("INCIDESK_OIDC_RECHECK_MINUTES", "15"))
# mozilla-django-oidc's settings common to every provider; the per-provider ones (endpoints,
# client, scopes) are set by `sso.views` and `sso.backend` for the provider in use.
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
OIDC_TIMEOUT = 10

# The directory comes after axes (its lockout counts LDAP passwords too) and before the local
# accounts, which keep signing in with their e-mail and password (staff: unless switched off
# above, by the gate). The provider's backend acts only in the single sign-on callback.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *(["incidesk.directory.backend.DirectoryBackend"] if INCIDESK_LDAP else []),
    "incidesk.sso.backend.StaffPasswordGate",
    "django.contrib.auth.backends.ModelBackend",
    "incidesk.sso.backend.OidcBackend",
]

# A password reset link works once, and for an hour at most.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("INCIDESK_PASSWORD_RESET_SECONDS", "3600"))

# Password guessing: five wrong passwords for one address from one IP lock that pair out for
# 15 minutes (django-axes, kept in the database so every web worker sees the same count).
AXES_FAILURE_LIMIT = int(os.environ.get("INCIDESK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "incidesk.core.ratelimits.client_ip"
# A wrong second-factor code counts as a failed sign-in (incidesk/mfa); it is not stored.
AXES_SENSITIVE_PARAMETERS = ["code"]


# Two-factor sign-in for desk staff (incidesk/mfa): the roles that must use it. Staff of other
# roles may enrol on their own; once enrolled, they too are asked for a code at each sign-in.
def mfa_required_roles(environ: Mapping[str, str]) -> list[str]:
    """INCIDESK_MFA_REQUIRED_ROLES: staff roles only (customers have no second factor); a
    misspelt role stops the start-up rather than leaving that role unprotected."""
    staff = ("agent", "lead", "admin")  # accounts.models.STAFF_ROLES: settings load first
    roles = env_list("INCIDESK_MFA_REQUIRED_ROLES", "", environ)
    if unknown := sorted(set(roles) - set(staff)):
        raise ImproperlyConfigured(
            f"INCIDESK_MFA_REQUIRED_ROLES: {', '.join(unknown)} is not one of {', '.join(staff)}."
        )
    return roles


INCIDESK_MFA_REQUIRED_ROLES = mfa_required_roles(os.environ)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = os.environ.get("INCIDESK_MFA_ISSUER", "Incidesk")

# Behind TLS (INCIDESK_HTTPS=1) cookies are sent over HTTPS only and browsers are told to stay
# on HTTPS; the embedded default serves plain HTTP on localhost, where secure cookies would
# make signing in impossible. The three options below apply only with INCIDESK_HTTPS=1 and are
# off by default, each for a deployment that must not have it: INCIDESK_SSL_REDIRECT when the
# proxy does not redirect plain HTTP itself (without the forwarded-protocol header it would
# loop), INCIDESK_HSTS_SUBDOMAINS when every subdomain serves HTTPS, INCIDESK_HSTS_PRELOAD once
# the domain is to be submitted to the browsers' preload list (hard to undo).
HTTPS = env_bool("INCIDESK_HTTPS")
# Django's database sessions, read by a statement compiled once (`core.sessions`).
SESSION_ENGINE = "incidesk.core.sessions"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_SSL_REDIRECT = HTTPS and env_bool("INCIDESK_SSL_REDIRECT")
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and env_bool("INCIDESK_HSTS_SUBDOMAINS")
SECURE_HSTS_PRELOAD = HTTPS and env_bool("INCIDESK_HSTS_PRELOAD")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
# The project catalogue, extracted from the domain apps' code (scripts/messages); then our Russian
# for other packages' messages (Django's admin, django-otp-webauthn), kept by hand: the first wins.
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "overrides" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"


def file_storage(environ: Mapping[str, str]) -> dict:
    """Where attachments and pending-report files live: the media folder in the data folder (one
    node), or an S3-compatible bucket shared by every node when `INCIDESK_S3_BUCKET` is set.
    Objects stay private and leave only through the access-checked downloads
    (`incidesk.core.storage`). Without keys, boto3 finds its own (`AWS_*`, an instance role)."""
    bucket = environ.get("INCIDESK_S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "endpoint_url": environ.get("INCIDESK_S3_ENDPOINT_URL", "").strip() or None,
        "access_key": environ.get("INCIDESK_S3_ACCESS_KEY_ID", "").strip() or None,
        "secret_key": environ.get("INCIDESK_S3_SECRET_ACCESS_KEY", "").strip() or None,
        "region_name": environ.get("INCIDESK_S3_REGION", "").strip() or None,
        "location": environ.get("INCIDESK_S3_PREFIX", "").strip().strip("/"),
    }
    if bool(options["access_key"]) != bool(options["secret_key"]):
        raise ImproperlyConfigured(
            "Set both INCIDESK_S3_ACCESS_KEY_ID and INCIDESK_S3_SECRET_ACCESS_KEY, or neither."
        )
    return {"BACKEND": "incidesk.core.storage.PrivateS3Storage", "OPTIONS": options}


STORAGES = {
    "default": file_storage(os.environ),
    # Static files come from installed packages (admin, Bootstrap, htmx) and are served by
    # WhiteNoise from the gunicorn process: no separate web server or CDN is needed.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    INSTALLED_APPS.append("django_rq")
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Seconds a started task (or a mail being sent) may take before its worker is presumed dead and
# the work is handed out again (incidesk/core/promises.py); longer than any task runs.
INCIDESK_TASK_LEASE = int(os.environ.get("INCIDESK_TASK_LEASE", "600"))

# The longest an idle database task worker sleeps without a wake-up (`core.taskworker`): it
# wakes when a task is queued (NOTIFY on PostgreSQL, a datagram on SQLite) or falls due, so this
# is only what a task whose wake-up was lost waits at most. Each look is one short transaction.
INCIDESK_WORKER_POLL_SECONDS = float(os.environ.get("INCIDESK_WORKER_POLL_SECONDS", "60"))

# Rate limits ("N/period", period s, m, h or d, optionally with a count: "30/10m"), counted where
# every worker and node sees the same count (incidesk/core/ratecounters.py). Over a limit the
# answer is 429 with Retry-After; see incidesk/core/ratelimits.py for what each one counts.
INCIDESK_RATE_LOGIN_IP = env_rate("INCIDESK_RATE_LOGIN_IP", "30/10m")
INCIDESK_RATE_RESET_IP = env_rate("INCIDESK_RATE_RESET_IP", "20/h")
INCIDESK_RATE_RESET_EMAIL = env_rate("INCIDESK_RATE_RESET_EMAIL", "3/h")
INCIDESK_RATE_REPORT_IP = env_rate("INCIDESK_RATE_REPORT_IP", "20/h")
INCIDESK_RATE_REPORT_EMAIL = env_rate("INCIDESK_RATE_REPORT_EMAIL", "5/h")
INCIDESK_RATE_TRACK_IP = env_rate("INCIDESK_RATE_TRACK_IP", "60/10m")
INCIDESK_RATE_API_WRITES = env_rate("INCIDESK_RATE_API_WRITES", "120/m")
INCIDESK_RATE_MFA_USER = env_rate("INCIDESK_RATE_MFA_USER", "10/h")
# How many proxies in front of the app append to X-Forwarded-For. 0: the client is REMOTE_ADDR
# and the header is ignored (anyone can send it). Behind TLS (INCIDESK_HTTPS) one proxy is
# assumed. Rate limits and the sign-in lockout both read the client address this way.
INCIDESK_TRUSTED_PROXIES = int(os.environ.get("INCIDESK_TRUSTED_PROXIES", "1" if HTTPS else "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Incident lifecycle knobs.
INCIDESK_AUTO_CLOSE_DAYS = int(os.environ.get("INCIDESK_AUTO_CLOSE_DAYS", "7"))
# How long a merge of two incidents may be undone (`incidents.actions.do_unmerge`).
INCIDESK_MERGE_UNDO_MINUTES = int(os.environ.get("INCIDESK_MERGE_UNDO_MINUTES", "10"))
INCIDESK_MAX_ATTACHMENT_BYTES = int(os.environ.get("INCIDESK_MAX_ATTACHMENT_BYTES", 25 * 2**20))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20
# A report sent from the portal without signing in waits this long for its owner to confirm it
# through the link mailed to the address.
INCIDESK_REPORT_CONFIRM_HOURS = int(os.environ.get("INCIDESK_REPORT_CONFIRM_HOURS", "24"))

# E-mail in and out (incidesk/mail). Django's own names for sending; with no EMAIL_HOST the mail
# goes to files in DATA_DIR/outbox (and the outgoing log in the admin) instead of failing.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Incidesk <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox"
IMAP_HOST = os.environ.get("IMAP_HOST", "")
IMAP_PORT = int(os.environ.get("IMAP_PORT", "993" if env_bool("IMAP_SSL", True) else "143"))
IMAP_USER = os.environ.get("IMAP_USER", "")
IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
IMAP_SSL = env_bool("IMAP_SSL", True)
# The desk's mailbox, where customers reply; defaults to the sender address. Each mail about an
# incident carries it as Reply-To with a per-person token (`support+inc-000123.<token>@...`),
# so the mail server must deliver plus-addresses to this mailbox.
INCIDESK_MAIL_REPLY_TO = os.environ.get("INCIDESK_MAIL_REPLY_TO", DEFAULT_FROM_EMAIL)
INCIDESK_MAIL_UNKNOWN_SENDERS = os.environ.get("INCIDESK_MAIL_UNKNOWN_SENDERS", "contact")
INCIDESK_MAIL_RATE_LIMIT = int(os.environ.get("INCIDESK_MAIL_RATE_LIMIT", "20"))  # per hour
# Minutes to wait before each new attempt to send a mail that failed; after the last, it is failed.
INCIDESK_MAIL_RETRY_MINUTES = tuple(
    int(minutes)
    for minutes in os.environ.get("INCIDESK_MAIL_RETRY_MINUTES", "1,5,15,60,240,720").split(",")
    if minutes.strip()
)
# The authserv-id our own receiving mail server writes in Authentication-Results (and strips
# from incoming mail); its `dmarc=fail` refuses a message. Unset: no such header is trusted.
INCIDESK_MAIL_AUTHSERV_ID = os.environ.get("INCIDESK_MAIL_AUTHSERV_ID", "")
INCIDESK_BASE_URL = os.environ.get("INCIDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Passkeys (WebAuthn, incidesk/mfa; django-otp-webauthn) as a second factor, never instead of
# the password. The relying party is the desk's own address: its host is the ID passkeys are
# bound to, its origin the only one accepted; the name is the one authenticator apps show.
_passkeys = relying_party(INCIDESK_BASE_URL)
OTP_WEBAUTHN_RP_ID = _passkeys.id
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOWED_ORIGINS = [_passkeys.origin]
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
if not usable(_passkeys):
    # An address browsers offer no passkeys on (http:// but for localhost, an IP address):
    # the pages say passkeys are unavailable rather than the library stopping the start-up.
    SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E031"]
