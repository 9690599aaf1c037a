"""System check core.W001: the Python interpreter lacks the e-mail security fixes the mail code
relies on.

- CVE-2023-27043 (gh-102988): `email.utils.getaddresses` / `parseaddr` read some malformed
  addresses (special characters, several `@`) as a different address than the one written, so
  a sender could pass for someone else; fixed by strict parsing (the default), which added the
  marker `email.utils.supports_strict_parsing`.
- CVE-2024-6923 (gh-121650): the e-mail generator wrote a header value containing a newline
  as it was, so text could add headers to a message we send; fixed by quoting such values and
  refusing unsound headers (`email.errors.HeaderWriteError`).

Both are in 3.11.10, 3.12.6 and 3.13.0 (3.12.5 has the second only). Distributions (Debian,
Ubuntu, RHEL) back-port such fixes without changing the version number, so an older version
whose `email` package carries both markers passes too.
"""

from __future__ import annotations

import email.errors
import email.utils
import sys
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Tags, Warning, register
from django.utils.translation import gettext_lazy as _

# The first release of each supported minor version with both fixes; later minors have them.
EMAIL_FIXES: dict[tuple[int, ...], tuple[int, ...]] = {
    (3, 11): (3, 11, 10),
    (3, 12): (3, 12, 6),
    (3, 13): (3, 13, 0),
}


def email_fixes_backported() -> bool:
    """The interpreter's `email` package has both fixes, whatever its version says."""
    return bool(getattr(email.utils, "supports_strict_parsing", False)) and hasattr(
        email.errors, "HeaderWriteError"
    )


def lacks_email_fixes(version: tuple[int, ...]) -> bool:
    minimum = EMAIL_FIXES.get(tuple(version[:2]))
    if minimum is None:
        return tuple(version[:2]) < min(EMAIL_FIXES)
    return tuple(version[:3]) < minimum and not email_fixes_backported()


@register(Tags.security)
def check_email_fixes(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    version = sys.version_info
    if not lacks_email_fixes(version[:3]):
        return []
    needed = EMAIL_FIXES.get(tuple(version[:2]), min(EMAIL_FIXES.values()))
    return [
        Warning(
            _(
                "Python %(version)s lacks the e-mail security fixes for CVE-2023-27043 "
                "(address parsing) and CVE-2024-6923 (newlines in headers) that incoming "
                "and outgoing mail rely on."
            )
            % {"version": ".".join(map(str, version[:3]))},
            hint=_(
                "Upgrade Python to %(needed)s or later, or install your distribution's "
                "security update of it."
            )
            % {"needed": ".".join(map(str, needed))},
            id="core.W001",
        )
    ]
