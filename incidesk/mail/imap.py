"""Polling the desk's IMAP mailbox: every unseen message is kept and processed, then flagged
\\Seen. A message is flagged only after it is stored, so a crash in between means it is read
again next time, and `receive` recognises it by its Message-ID.

Every node may run the poller (`email poll --loop`); only the holder of the mailbox's lease
(`MailboxLease`, taken by a conditional update) polls, renewing it every turn and after each
message, so when the holder dies another node takes over once the lease runs out (`LEASE`). A
database outage makes the loop wait with growing pauses and reconnect; it never ends it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.db.models import Q
from django.utils import timezone
from imap_tools import MailBox, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

from incidesk.mail.inbound import receive
from incidesk.mail.models import MailboxLease

logger = logging.getLogger(__name__)

LEASE_NAME = "imap"
# A holder that stops renewing loses the mailbox after LEASE; the others look every TICK
# seconds, so fail-over takes at most about a minute.
LEASE = timedelta(seconds=45)
TICK = 15.0
# Pauses while the database is unreachable: 1, 2, 4 … seconds, at most this.
MAX_BACKOFF = 60.0


def connect() -> BaseMailBox:
    box_class = MailBox if settings.IMAP_SSL else MailBoxUnencrypted
    box = box_class(settings.IMAP_HOST, settings.IMAP_PORT, timeout=60)
    return box.login(settings.IMAP_USER, settings.IMAP_PASSWORD, settings.IMAP_FOLDER)


def _fetch_raw(box: BaseMailBox, uid: str) -> bytes | None:
    """The message's exact bytes (imap-tools' parsed object would re-serialise them)."""
    status, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def poll_once(holder: str | None = None) -> int:
    """Fetch and process every unseen message; returns how many were processed. With a
    `holder`, the lease is renewed after each message and the poll stops if it was lost."""
    count = 0
    with connect() as box:
        for uid in box.uids("UNSEEN"):
            if holder is not None and not take_lease(holder):
                logger.warning("IMAP: the mailbox's lease was lost; another node polls it")
                break
            raw = _fetch_raw(box, uid)
            if raw is None:
                continue
            receive(raw, source="imap")
            box.flag(uid, "\\Seen", True)
            count += 1
    return count


def new_holder() -> str:
    """This poller's name in the lease: the host and process, unique across restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take_lease(holder: str) -> bool:
    """Take the mailbox's lease, or renew it; False while another holder's lease runs."""
    now = timezone.now()
    MailboxLease.objects.get_or_create(name=LEASE_NAME, defaults={"expires_at": now})
    taken = (
        MailboxLease.objects.filter(name=LEASE_NAME)
        .filter(Q(holder=holder) | Q(expires_at__lte=now))
        .update(holder=holder, expires_at=now + LEASE)
    )
    return taken == 1


def release_lease(holder: str) -> None:
    """Give the lease up at once (a clean stop), so another node need not wait it out."""
    MailboxLease.objects.filter(name=LEASE_NAME, holder=holder).update(expires_at=timezone.now())


class Poller:
    """One node's polling loop, a turn at a time (`turn` returns the pause before the next)."""

    def __init__(self, interval: float, holder: str | None = None) -> None:
        self.interval = interval
        self.holder = holder or new_holder()
        self.due = 0.0  # time.monotonic() of the next poll
        self.failures = 0

    def turn(self) -> float:
        """Renew the lease and poll when due; a database error is a pause, never an exit."""
        try:
            # Outside a request nothing else drops a connection that broke in an outage.
            close_old_connections()
            if not take_lease(self.holder):
                self.due = 0.0  # poll as soon as the lease comes
                self.failures = 0
                return TICK
            if time.monotonic() >= self.due:
                processed = poll_once(self.holder)
                if processed:
                    logger.info("IMAP: %d message(s) processed", processed)
                self.due = time.monotonic() + self.interval
        except (OperationalError, InterfaceError):
            self.failures += 1
            pause = min(2.0 ** (self.failures - 1), MAX_BACKOFF)
            logger.warning("IMAP poller: database unavailable, trying again in %.0f s", pause)
            connections.close_all()
            return pause
        except Exception:
            logger.exception("IMAP poll failed")
            self.due = time.monotonic() + self.interval
        self.failures = 0
        return max(0.0, min(TICK, self.due - time.monotonic()))


def poll_forever(interval: float) -> None:
    """Poll every `interval` seconds while this node holds the lease; never gives up."""
    poller = Poller(interval)
    try:
        while True:
            time.sleep(poller.turn())
    finally:
        try:
            release_lease(poller.holder)
        except (OperationalError, InterfaceError):
            logger.warning("IMAP poller: the lease could not be released; it expires by itself")
