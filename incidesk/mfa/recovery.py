"""Recovery codes as they are stored: a keyed hash, never the code. The key is derived from
SECRET_KEY (and, while it is being rotated, SECRET_KEY_FALLBACKS), and the person's id is hashed
with the code, so a copy of the database alone neither reads the codes back nor guesses them
(an HMAC, not a password hasher: a code is fifty random bits, not a password, and ten of them
are checked per attempt)."""

from __future__ import annotations

import hmac
import secrets
from base64 import b32encode

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "incidesk.mfa.recovery-code"
# Ten characters of base32 (a-z, 2-7): fifty random bits, typed without confusion.
LENGTH = 10


def normalise(code: str) -> str:
    """As a person may type it: any case, with spaces or dashes."""
    return code.strip().replace(" ", "").replace("-", "").lower()


def new_code() -> str:
    """A fresh code; never all digits, which the code step takes for the app's."""
    while True:
        code = b32encode(secrets.token_bytes(8)).decode()[:LENGTH].lower()
        if not code.isdigit():
            return code


def hash_code(user_id: int, code: str, secret: str | None = None) -> str:
    """The stored form of `code` for this person, under `secret` (SECRET_KEY by default)."""
    value = f"{user_id}:{normalise(code)}"
    return salted_hmac(SALT, value, secret=secret, algorithm="sha256").hexdigest()


def candidates(user_id: int, code: str) -> list[str]:
    """The stored forms `code` may have: under the current key and each fallback key."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hash_code(user_id, code, secret) for secret in secrets_]


def matching(stored: list[str], user_id: int, code: str) -> str | None:
    """The stored hash `code` matches, compared in constant time against every stored one
    (no early exit that would tell, by its timing, how close a guess came)."""
    found = None
    for wanted in candidates(user_id, code):
        for digest in stored:
            if hmac.compare_digest(digest, wanted):
                found = digest
    return found
