"""Django's PostgreSQL backend, with a health check that asks the server only when the
connection has something to say."""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        """Django's check (`CONN_HEALTH_CHECKS`) sends `SELECT 1` at each request's first
        query: a round trip, about 90 µs of a web worker's CPU, as much as any of a
        registration's statements. A kept connection that sits idle and open, with
        nothing from the server waiting on its socket, is usable without asking. A server that
        restarted or ended the session has written to it (its last message, the end of the
        stream): then, and in any other state, the server is asked as Django asks it."""
        connection = self.connection
        if (
            connection is not None
            and connection.pgconn.status == pq.ConnStatus.OK
            and connection.info.transaction_status == pq.TransactionStatus.IDLE
        ):
            poller = select.poll()
            poller.register(connection.pgconn.socket, select.POLLIN | select.POLLERR)
            if not poller.poll(0):
                return True
        usable: bool = super().is_usable()
        return usable
