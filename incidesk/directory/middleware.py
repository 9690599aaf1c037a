"""A directory person's session is checked against the directory every few minutes
(INCIDESK_LDAP_RECHECK_MINUTES), so one disabled there is out before the next `ldap sync`.

Only sessions signed in through the directory are checked (the session says which backend
signed it in: no query for anyone else). Only a positive answer acts: the entry found and
disabled deactivates the person (sessions and tokens go with it). An entry not found, or a
directory that does not answer, changes nothing: a moved entry or an outage must not sign
people out, and a leaver is `ldap sync`'s to find, behind its guard.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from incidesk.directory.people import mark_left

BACKEND = "incidesk.directory.backend.DirectoryBackend"
CHECKED_AT = "directory_checked_at"
logger = logging.getLogger(__name__)


class DirectoryRecheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        conf = settings.INCIDESK_LDAP
        if conf and request.session.get(BACKEND_SESSION_KEY) == BACKEND:
            checked_at = request.session.get(CHECKED_AT)
            if checked_at is None:  # just signed in: the directory has just said yes
                request.session[CHECKED_AT] = time.time()
            elif time.time() >= checked_at + conf["recheck_minutes"] * 60:
                self._check(request, conf)
        return self.get_response(request)

    def _check(self, request: HttpRequest, conf: dict) -> None:
        import ldap

        from incidesk.directory.connection import is_disabled

        user = request.user
        if not user.is_authenticated:
            return
        account = getattr(user, "directory_account", None)
        if account is None:
            return
        try:
            disabled = is_disabled(conf, account.dn)
        except ldap.LDAPError:  # an outage, a timeout: keep the session, check again next time
            logger.warning("directory recheck of %s failed", account.dn, exc_info=True)
            return
        if disabled:
            mark_left(user, timezone.now())
            logout(request)
        else:
            request.session[CHECKED_AT] = time.time()
