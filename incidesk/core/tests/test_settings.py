"""Settings come from the environment with safe defaults."""

import json
import os
import subprocess
import sys

SHOW = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'key': settings.SECRET_KEY, 'debug': settings.DEBUG, "
    "'engine': db['ENGINE'], 'name': str(db['NAME']), 'options': db.get('OPTIONS', {}), "
    "'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE, 'hosts': settings.ALLOWED_HOSTS}))"
)


def _settings(data_dir, **env) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "TIME_ZONE", "LANGUAGE_CODE"}
    }
    clean.update(INCIDESK_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="incidesk.settings", **env)
    out = subprocess.run(
        [sys.executable, "-c", SHOW], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_defaults_are_safe_and_the_secret_is_kept(tmp_path):
    first = _settings(tmp_path)
    assert first["debug"] is False
    assert (first["tz"], first["lang"]) == ("Europe/Moscow", "ru")
    assert first["engine"] == "incidesk.core.sqlite"
    assert first["name"] == str(tmp_path / "incidesk.sqlite3")
    assert first["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in first["options"]["init_command"]
    assert "*" not in first["hosts"]
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert len(first["key"]) >= 50
    assert _settings(tmp_path)["key"] == first["key"]


def test_environment_overrides(tmp_path):
    shown = _settings(
        tmp_path,
        SECRET_KEY="x" * 60,
        DEBUG="true",
        DATABASE_URL="postgres://u@db.example:5432/desk",
        TIME_ZONE="Asia/Novosibirsk",
        LANGUAGE_CODE="en",
    )
    assert shown["key"] == "x" * 60
    assert shown["debug"] is True
    assert (shown["engine"], shown["name"]) == ("incidesk.core.postgresql", "desk")
    assert (shown["tz"], shown["lang"]) == ("Asia/Novosibirsk", "en")
    assert not (tmp_path / "secret_key").exists()
