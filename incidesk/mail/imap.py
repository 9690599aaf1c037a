"""Polling the desk's IMAP mailbox: every unseen message is kept and processed, then flagged
\\Seen. A message is flagged only after it is stored, so a crash in between means it is read
again next time, and `receive` recognises it by its Message-ID."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from imap_tools import MailBox, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

from incidesk.mail.inbound import receive

logger = logging.getLogger(__name__)


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


def poll_once() -> int:
    """Fetch and process every unseen message; returns how many were processed."""
    count = 0
    with connect() as box:
        for uid in box.uids("UNSEEN"):
            raw = _fetch_raw(box, uid)
            if raw is None:
                continue
            receive(raw, source="imap")
            box.flag(uid, "\\Seen", True)
            count += 1
    return count


def poll_forever(interval: float) -> None:
    """Poll every `interval` seconds; a failed poll is logged and tried again next time."""
    while True:
        try:
            processed = poll_once()
        except Exception:
            logger.exception("IMAP poll failed")
        else:
            if processed:
                logger.info("IMAP: %d message(s) processed", processed)
        time.sleep(interval)
