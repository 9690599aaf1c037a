"""The Django admin is Incidesk's: its name, every app's and model's name in Russian and English,
support teams not confused with permission groups, and a favicon."""

import html
import re

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation

from incidesk.accounts.tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def _admin(client: Client, language: str) -> Client:
    client.force_login(AdminFactory(language=language))
    return client


@pytest.mark.parametrize(
    ("language", "header", "teams"),
    [
        ("ru", "Администрирование Incidesk", "Группы поддержки"),
        ("en", "Incidesk administration", "Support teams"),
    ],
)
def test_the_admin_index_names_incidesk_and_support_teams(client, language, header, teams):
    page = _admin(client, language).get("/admin/").content.decode()
    assert f"<title>{_settings_title(language)} | {header}</title>" in page
    assert f'<a href="/admin/">{header}</a>' in page
    assert f">{teams}</a>" in page
    # Django's permission groups are not offered beside them under the same word.
    assert "/admin/auth/group/" not in page
    assert "Django administration" not in page and "Администрирование Django" not in page


def _settings_title(language: str) -> str:
    return {"ru": "Настройки и данные", "en": "Settings and data"}[language]


@pytest.mark.parametrize(
    ("language", "app", "teams"),
    [("ru", "Учётные записи", "Группы поддержки"), ("en", "Accounts", "Support teams")],
)
def test_the_team_list_is_called_support_teams(client, language, app, teams):
    page = _admin(client, language).get("/admin/accounts/team/").content.decode()
    found = re.search(r'<div class="breadcrumbs">(.*?)</div>', page, re.S)
    assert found, page
    crumbs = found.group(1)
    assert [part.strip() for part in html.unescape(re.sub(r"<[^>]+>", "", crumbs)).split("›")][
        1:
    ] == [app, teams]


def _ours():
    return [config for config in apps.get_app_configs() if config.name.startswith("incidesk.")]


def test_every_app_and_model_has_a_russian_and_an_english_name():
    for config in _ours():
        names = [(config.label, config.verbose_name)]
        for model in config.get_models():
            meta = model._meta
            assert "verbose_name" in meta.original_attrs, model
            assert "verbose_name_plural" in meta.original_attrs, model
            names += [(meta.label, meta.verbose_name), (meta.label, meta.verbose_name_plural)]
        for label, name in names:
            with translation.override("en"):
                english = str(name)
            with translation.override("ru"):
                russian = str(name)
            assert not CYRILLIC.search(english), (label, english)
            assert CYRILLIC.search(russian), (label, russian)
    with translation.override("ru"):
        assert (
            str(apps.get_model("accounts", "Team")._meta.verbose_name_plural) == "группы поддержки"
        )


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/login/"])
def test_pages_link_the_favicon_and_it_is_served(client, settings, path):
    # WhiteNoise serves collected files; let it find them in the apps, as collectstatic would.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    if path == "/admin/":
        _admin(client, "ru")
    page = client.get(path).content.decode()
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert link, path
    href = link.group(1)
    assert href.endswith("web/favicon.svg")
    served = client.get(href)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/svg+xml"
    assert b"".join(served.streaming_content).startswith(b"<svg")


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/admin/sla/slapolicy/", "Выберите объект для изменения: политика SLA"),
        ("/admin/sla/slapolicy/add/", "Добавление: политика SLA"),
    ],
)
def test_russian_admin_titles_agree_whatever_the_models_gender(client, path, title):
    """Django's «Выберите %s для изменения» gives «Выберите политика SLA»: the name stands in the
    nominative, so the phrase is built around it."""
    page = html.unescape(_admin(client, "ru").get(path).content.decode())
    assert f"<h1>{title}</h1>" in page
    assert "Выберите политика" not in page and "Добавить политика" not in page
