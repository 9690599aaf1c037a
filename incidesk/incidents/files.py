"""Files in and out of the desk: what an uploaded file is called, what it really is, and the one
response with which every surface (portal, tracking link, console, API) sends it back.

Nothing here believes the uploader. The type is read from the bytes: only PNG, JPEG, GIF and
WebP, recognised by their magic numbers, keep an image type; a script, a page, an SVG, XML, a
PDF, a text file or anything unknown is `application/octet-stream`, which no browser runs or
renders. A download is always a download (`Content-Disposition: attachment`), is never sniffed
into another type (`nosniff`), runs nothing even if opened (`Content-Security-Policy: sandbox`)
and is kept by no shared cache. Callers check access first (`incidents.access`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import IO, Protocol
from urllib.parse import quote

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

OCTET_STREAM = "application/octet-stream"
IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
SERVED_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", OCTET_STREAM)
"""Every type a stored file can have (the API documents them)."""
HEAD_BYTES = 16
"""Enough of a file's start to recognise every allowed type."""

DEFAULT_NAME = "file"
MAX_NAME_LENGTH = 150
MAX_SUFFIX_LENGTH = 16
# Control characters (C0, C1, DEL), format characters (bidi overrides and isolates, zero-width
# marks), lone surrogates and line/paragraph separators: none belongs in a file name, and each can
# break a header or make a name read differently from what it is ("invoice<U+202E>fdp.exe"
# reads as "invoiceexe.pdf").
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9 !#$&()+.@\[\]^_{}~-]+")

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def type_of(head: bytes) -> str:
    """The content type to store and serve for a file starting with `head`: an allowed image
    type when the magic number says so, otherwise `application/octet-stream`."""
    for signature, content_type in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return OCTET_STREAM


def read_head(handle: IO[bytes]) -> bytes:
    """The first bytes of an open file, leaving it at its start for whoever reads it next."""
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    return head


def clean_name(name: str) -> str:
    """A display name safe wherever it is shown or sent: without control, format and bidi
    characters, path parts or leading dots, at most `MAX_NAME_LENGTH` characters with the
    extension kept visible; `DEFAULT_NAME` when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(char for char in name if unicodedata.category(char) not in _DROPPED_CATEGORIES)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(name.split()).strip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, suffix = os.path.splitext(name)
        if len(suffix) > MAX_SUFFIX_LENGTH:
            stem, suffix = name, ""
        name = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(". ") + suffix
    return name or DEFAULT_NAME


def _ascii_name(name: str) -> str:
    """The fallback `filename=` for clients without RFC 6266: accents dropped, other letters
    and unsafe characters replaced, the extension kept."""
    stem, suffix = os.path.splitext(name)
    stem, suffix = (
        unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        for part in (stem, suffix)
    )
    stem = _NOT_ASCII_SAFE.sub("_", stem).strip("_. ") or DEFAULT_NAME
    return stem + _NOT_ASCII_SAFE.sub("", suffix)


def content_disposition(name: str) -> str:
    """`attachment` with the name in UTF-8 (`filename*`, RFC 6266) and an ASCII fallback."""
    return f"attachment; filename=\"{_ascii_name(name)}\"; filename*=utf-8''{quote(name, safe='')}"


class StoredFile(Protocol):
    """What a download needs of a stored file: an incident's attachment, an article's image."""

    @property
    def file(self) -> FieldFile: ...

    @property
    def original_name(self) -> str: ...


def attachment_response(attachment: StoredFile) -> FileResponse:
    """The stored file as a download. The type is decided from the bytes again, so rows stored
    before intake did so are served safely too. The caller has checked access."""
    handle = attachment.file.open("rb")
    response = FileResponse(handle, content_type=type_of(read_head(handle)))
    response["Content-Disposition"] = content_disposition(clean_name(attachment.original_name))
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response
