"""Django's database sessions, with the row read by a statement compiled once per process
(`core.compiled`): every signed-in page reads its session first, and the ORM's building and
compiling of that one-row SELECT cost more than SQLite's answer to it.

The expiry is checked here instead of in the SQL (the statement takes the key alone), with
the same result: an expired session is no session."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from incidesk.core.compiled import CompiledQuery

_BY_KEY = CompiledQuery(lambda key: Session.objects.filter(session_key=key))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        found = _BY_KEY.first(key) if key else None
        if found is None or found.expire_date <= timezone.now():
            self._session_key = None
            return None
        return found
