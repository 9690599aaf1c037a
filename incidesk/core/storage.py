"""Files in an S3-compatible bucket shared by every node (`INCIDESK_S3_BUCKET`, see settings).

The bucket is a private store, not a web server: objects are written without an ACL (so they
keep the bucket's private default), and no URL to them, signed or not, is ever made. Every
download goes through `incidents.files.attachment_response` after an access check, which opens
the object through this storage. A bucket that cannot be reached is a `StorageUnavailable`
(503): the action that wanted the file fails in its transaction, so no row points to a file
that was never written.
"""

from __future__ import annotations

import logging
from typing import IO, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from storages.backends.s3 import S3File, S3Storage

from incidesk.core.errors import StorageUnavailable

logger = logging.getLogger(__name__)

STORAGE_ERRORS = (BotoCoreError, ClientError)
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
ATTEMPTS = 3
"""A refused connection is retried twice, then the request fails well inside gunicorn's 60 s."""


# django-storages ships no types: its S3Storage is `Any` to the type checker.
class PrivateS3Storage(S3Storage):  # type: ignore[misc]
    """django-storages' S3 backend with the desk's policy fixed, whatever else is configured."""

    def get_default_settings(self) -> dict[str, Any]:
        return {
            **super().get_default_settings(),
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": True,  # names are generated UUIDs: no existence check needed
            "max_memory_size": settings.FILE_UPLOAD_MAX_MEMORY_SIZE,  # larger files spill to disk
        }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.client_config = Config(
            # MinIO, Ceph and most hosted S3 clones want the bucket in the path.
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            signature_version="s3v4",
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"mode": "standard", "max_attempts": ATTEMPTS},
        )

    def _save(self, name: str, content: IO[bytes]) -> str:
        try:
            saved: str = super()._save(name, content)
            return saved
        except STORAGE_ERRORS as error:
            logger.warning("file storage unavailable writing %s: %s", name, error)
            raise StorageUnavailable from error

    def _open(self, name: str, mode: str = "rb") -> S3File:
        """Fetches the object at once, so an unreachable bucket fails the open, before a
        response has started, rather than a read halfway through streaming it."""
        try:
            opened = super()._open(name, mode)
            if "r" in mode:
                opened.seek(0)
        except STORAGE_ERRORS as error:
            logger.warning("file storage unavailable reading %s: %s", name, error)
            raise StorageUnavailable from error
        return opened

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        """Never a link into the bucket: files leave only through the access-checked downloads."""
        raise NotImplementedError("Stored files are served by incidents.files.attachment_response.")
