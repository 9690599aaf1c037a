"""`incidesk check --deploy` is clean with the documented production settings, and core.W001
tells when the interpreter lacks the e-mail security fixes."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.core.checks import run_checks

from incidesk.core import checks

PRODUCTION = {
    "INCIDESK_HTTPS": "1",
    "INCIDESK_SSL_REDIRECT": "1",
    "INCIDESK_HSTS_SUBDOMAINS": "1",
    "INCIDESK_HSTS_PRELOAD": "1",
    "ALLOWED_HOSTS": "desk.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://desk.example.com",
}
# DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests for their own process (async.E001 in a
# deployment); a worker that ran one before must not hand it to the checked process.
UNSET = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", *PRODUCTION}


def check_deploy(data_dir, **env) -> set[str]:
    """The ids of what `incidesk check --deploy` reports with this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    clean.update(INCIDESK_DATA_DIR=str(data_dir), SECRET_KEY=secrets.token_urlsafe(50), **env)
    out = subprocess.run(
        [sys.executable, "-m", "incidesk.cli", "check", "--deploy"],
        env=clean,
        capture_output=True,
        text=True,
    )
    return set(re.findall(r"\(([a-z_]+\.[EW]\d+)\)", out.stdout + out.stderr))


def test_the_documented_production_settings_pass_the_deploy_check(tmp_path):
    # core.W001 depends on the interpreter, not on settings (this test machine's may be old).
    expected = {"core.W001"} if checks.lacks_email_fixes(sys.version_info[:3]) else set()
    assert check_deploy(tmp_path, **PRODUCTION) == expected


def test_each_tls_option_left_off_is_reported(tmp_path):
    found = check_deploy(
        tmp_path,
        **PRODUCTION
        | {
            "INCIDESK_SSL_REDIRECT": "0",
            "INCIDESK_HSTS_SUBDOMAINS": "0",
            "INCIDESK_HSTS_PRELOAD": "0",
        },
    )
    assert {"security.W005", "security.W008", "security.W021"} <= found


@pytest.mark.parametrize(
    ("version", "backported", "warns"),
    [
        ((3, 11, 9, "final", 0), False, True),
        ((3, 11, 10, "final", 0), False, False),
        ((3, 12, 5, "final", 0), False, True),
        ((3, 12, 6, "final", 0), False, False),
        ((3, 13, 0, "final", 0), False, False),
        ((3, 14, 2, "final", 0), False, False),
        ((3, 11, 2, "final", 0), True, False),  # Debian's 3.11.2 with the fixes back-ported
    ],
)
def test_core_w001_warns_on_an_interpreter_without_the_e_mail_fixes(
    monkeypatch, version, backported, warns
):
    monkeypatch.setattr(sys, "version_info", version)
    monkeypatch.setattr(checks, "email_fixes_backported", lambda: backported)
    found = [message for message in run_checks() if message.id == "core.W001"]
    assert bool(found) is warns
    if warns:
        assert ".".join(map(str, version[:3])) in found[0].msg
        assert "CVE-2023-27043" in found[0].msg and "CVE-2024-6923" in found[0].msg
