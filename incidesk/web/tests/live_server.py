"""Django's live server with one user of the test's database connection at a time.

On in-memory SQLite, pytest-django hands the test's own connection to the live server's
request threads, and Django's connection is not thread-safe: two atomic blocks entered at once
on it (a page's poll beside the test running the task worker, two requests of one page) leave
it with autocommit off for good, and every later test of that xdist worker then fails at set-up.
So the server takes its requests one at a time, the test's own database work done while a page
is open (`run_tasks`) takes the same turn, and between tests the server turns requests away
with 503 so that a request the last test's page left queued cannot meet the database's flush.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.core.servers.basehttp import ThreadedWSGIServer


class Turns:
    """Whose turn it is to use the database connection, and whether the server takes requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.accepting = True

    @contextmanager
    def held(self) -> Iterator[None]:
        """Wait for any request in progress to finish, and hold the connection meanwhile."""
        with self._lock:
            yield

    def stop_accepting(self) -> None:
        """Let the request in progress finish, then answer every later one with 503."""
        with self._lock:
            self.accepting = False

    def serve(self, application: WSGIApplication) -> WSGIApplication:
        """`application` taking its turn: held until the server has sent the whole response
        and closed it (a streamed export still reads the database while it is sent)."""

        def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            self._lock.acquire()
            try:
                if not self.accepting:
                    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                    result: Iterable[bytes] = [b"between tests"]
                else:
                    result = application(environ, start_response)
            except BaseException:
                self._lock.release()
                raise
            return _ReleasedOnClose(result, self._lock)

        return app


class _ReleasedOnClose:
    """A WSGI response that gives the turn back when the server closes it."""

    def __init__(self, result: Iterable[bytes], lock: threading.Lock) -> None:
        self._result = result
        self._lock = lock

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._result)

    def close(self) -> None:
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._lock.release()


TURNS = Turns()


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server's threaded server, each request taking its turn (`TURNS`)."""

    def set_app(self, application: WSGIApplication | None) -> None:
        super().set_app(None if application is None else TURNS.serve(application))
