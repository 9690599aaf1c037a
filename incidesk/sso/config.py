"""OpenID providers from INCIDESK_OIDC_* variables, and what each one publishes (discovery).

Read by `settings.py` at start; the endpoints are fetched from the issuer's
`/.well-known/openid-configuration` on first use and kept for the life of the process, so a
provider that is down at start does not stop the desk."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

SLUG = re.compile(r"[a-z][a-z0-9_]{0,30}")
TIMEOUT = 10


@dataclass(frozen=True)
class Provider:
    """One OpenID provider the desk trusts, as the admin configured it."""

    slug: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    groups_claim: str
    # E-mail domains whose people may get a new account on first sign-in; empty: nobody new.
    domains: frozenset[str]
    verify_tls: bool

    def may_create(self, email: str) -> bool:
        return email.rpartition("@")[2].lower() in self.domains


@dataclass(frozen=True)
class Endpoints:
    """The provider's published endpoints (only the ones the desk uses)."""

    authorization: str
    token: str
    userinfo: str
    jwks: str
    end_session: str


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def providers_from(environ: Mapping[str, str]) -> dict[str, Provider]:
    """INCIDESK_OIDC_PROVIDERS=keycloak,blitz, then INCIDESK_OIDC_KEYCLOAK_ISSUER and the rest
    for each; none configured (the default) means single sign-on is off."""
    found: dict[str, Provider] = {}
    for slug in _list(environ.get("INCIDESK_OIDC_PROVIDERS", "").lower()):
        if not SLUG.fullmatch(slug):
            raise ImproperlyConfigured(
                f'INCIDESK_OIDC_PROVIDERS: "{slug}" is not a short name of letters, digits, _.'
            )
        prefix = f"INCIDESK_OIDC_{slug.upper()}_"

        def get(name: str, default: str = "", prefix: str = prefix) -> str:
            return environ.get(prefix + name, default).strip()

        issuer = get("ISSUER").rstrip("/")
        if not issuer.startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"{prefix}ISSUER: the provider's issuer URL.")
        client_id = get("CLIENT_ID")
        if not client_id:
            raise ImproperlyConfigured(f"{prefix}CLIENT_ID: the client ID the provider gave.")
        found[slug] = Provider(
            slug=slug,
            name=get("NAME") or slug.capitalize(),
            issuer=issuer,
            client_id=client_id,
            client_secret=environ.get(prefix + "CLIENT_SECRET", ""),
            scopes=get("SCOPES", "openid email profile"),
            groups_claim=get("GROUPS_CLAIM", "groups"),
            domains=frozenset(d.lower().lstrip("@") for d in _list(get("DOMAINS"))),
            verify_tls=get("VERIFY_TLS", "1").lower() in {"1", "true", "yes", "on"},
        )
    return found


_endpoints: dict[str, Endpoints] = {}
_lock = threading.Lock()


def endpoints(provider: Provider) -> Endpoints:
    """The provider's endpoints from its discovery document, whose issuer must be the one
    configured (a document that names another issuer is someone else's)."""
    with _lock:
        known = _endpoints.get(provider.issuer)
    if known is not None:
        return known
    import requests  # loaded at the first sign-in, not by every import of the settings

    response = requests.get(
        f"{provider.issuer}/.well-known/openid-configuration",
        timeout=TIMEOUT,
        verify=provider.verify_tls,
    )
    response.raise_for_status()
    document = response.json()
    if str(document.get("issuer", "")).rstrip("/") != provider.issuer:
        raise ImproperlyConfigured(
            f"{provider.slug}: the discovery document names issuer "
            f"{document.get('issuer')!r}, not {provider.issuer!r}."
        )
    found = Endpoints(
        authorization=document["authorization_endpoint"],
        token=document["token_endpoint"],
        userinfo=document.get("userinfo_endpoint", ""),
        jwks=document["jwks_uri"],
        end_session=document.get("end_session_endpoint", ""),
    )
    with _lock:
        _endpoints[provider.issuer] = found
    return found
