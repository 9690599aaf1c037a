"""INCIDESK_OIDC_* → providers: off when unset, clear errors for what is missing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from incidesk.sso.config import providers_from


def test_off_when_unset():
    assert providers_from({}) == {}


def test_several_providers_each_with_its_own_settings():
    found = providers_from(
        {
            "INCIDESK_OIDC_PROVIDERS": "keycloak, Blitz",
            "INCIDESK_OIDC_KEYCLOAK_ISSUER": "https://id.corp.example/realms/desk/",
            "INCIDESK_OIDC_KEYCLOAK_CLIENT_ID": "incidesk",
            "INCIDESK_OIDC_KEYCLOAK_NAME": "Корпоративный вход",
            "INCIDESK_OIDC_BLITZ_ISSUER": "https://blitz.corp.example/blitz/oauth",
            "INCIDESK_OIDC_BLITZ_CLIENT_ID": "desk",
            "INCIDESK_OIDC_BLITZ_GROUPS_CLAIM": "",
        }
    )
    assert list(found) == ["keycloak", "blitz"]
    assert found["keycloak"].issuer == "https://id.corp.example/realms/desk"
    assert found["keycloak"].name == "Корпоративный вход"
    assert found["keycloak"].groups_claim == "groups"
    assert found["blitz"].name == "Blitz"
    assert found["blitz"].groups_claim == ""
    assert found["blitz"].domains == frozenset()


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"INCIDESK_OIDC_PROVIDERS": "key cloak"}, "INCIDESK_OIDC_PROVIDERS"),
        ({"INCIDESK_OIDC_PROVIDERS": "kc"}, "INCIDESK_OIDC_KC_ISSUER"),
        (
            {"INCIDESK_OIDC_PROVIDERS": "kc", "INCIDESK_OIDC_KC_ISSUER": "https://id.example"},
            "INCIDESK_OIDC_KC_CLIENT_ID",
        ),
    ],
)
def test_a_missing_or_bad_value_is_named(environ, names):
    with pytest.raises(ImproperlyConfigured, match=names):
        providers_from(environ)
