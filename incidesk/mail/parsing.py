"""Reading real-world mail: whatever the bytes, get sender, subject, ids, text and files.

Mail lies about its charsets and breaks its headers. Every header read is guarded: the standard
library's modern policy first, the compat32 parser when that raises; every byte string goes
through one fallback chain (`decode_bytes`) that also catches Cyrillic declared as Latin-1 and
raw 8-bit KOI8-R or windows-1251 where only ASCII is allowed.
"""

from __future__ import annotations

import codecs
import email
import re
import unicodedata
from dataclasses import dataclass, field
from email import errors, policy
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

from incidesk.mail.htmltext import html_to_text

LATIN_CHARSETS = frozenset(
    {"ascii", "us-ascii", "iso-8859-1", "latin-1", "latin1", "iso8859-1", "windows-1252", "cp1252"}
)
_CYRILLIC_LOWER = re.compile("[а-яё]")
_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
_MOJIBAKE = re.compile("[\u00c0-\u00ff]")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# An addr-spec as mail clients write it (dot-atom local part; a domain of letters, digits,
# hyphens and dots). Anything else in a From header is refused rather than guessed at.
_ADDR_SPEC = re.compile(
    r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*@[\w-]+(?:\.[\w-]+)*"
)
# Defects that leave the address itself intact: raw 8-bit bytes or control characters in the
# display name (which `_one_line` drops; an address holding them fails `_ADDR_SPEC`).
_HARMLESS_DEFECTS = (
    errors.UndecodableBytesDefect,
    errors.NonASCIILocalPartDefect,
    errors.NonPrintableDefect,
)
# Where the desk's own (tokened) reply address can appear in a received message.
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip('"').lower()).name
    except LookupError:
        return None


def _cyrillic(data: bytes) -> str:
    """windows-1251 or KOI8-R, whichever reads as mostly lower-case Russian (each one decodes
    the other's lower case as capitals)."""
    options = [data.decode("cp1251", "replace"), data.decode("koi8_r", "replace")]
    return max(options, key=lambda text: len(_CYRILLIC_LOWER.findall(text)))


def _looks_like_mojibake(text: str) -> bool:
    """Latin-1 letters where Russian was meant: most letters in À..ÿ, as cp1251 bytes read as
    Latin-1 give."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and len(_MOJIBAKE.findall(text)) > len(letters) / 2


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text from bytes: the declared charset if it is real and fits, else UTF-8, else the
    Cyrillic guess. A Latin label on Russian bytes is not believed."""
    codec = _codec(declared)
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            pass
        else:
            if codec not in {_codec(c) for c in LATIN_CHARSETS} or not _looks_like_mojibake(text):
                return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _cyrillic(data)


def fix_text(value: str) -> str:
    """Repair a str the parser built from raw 8-bit bytes (surrogate escapes) or from a lying
    Latin-1 label."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        return decode_bytes(value.encode("utf-8", "surrogateescape"))
    if _looks_like_mojibake(value) and not _CYRILLIC.search(value):
        try:
            return decode_bytes(value.encode("latin-1"), "latin-1")
        except UnicodeEncodeError:
            return value
    return value


def decode_words(raw: str) -> str:
    """RFC 2047 encoded-words decoded by hand, each with the fallback chain (for headers the
    modern policy could not read)."""
    parts = []
    try:
        chunks = decode_header(raw)
    except Exception:  # a broken encoded-word: keep the text as it came
        return fix_text(raw)
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(fix_text(chunk))
    return "".join(parts)


@dataclass
class Attached:
    name: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class ParsedMessage:
    """What the rest of the mail app needs from a message, already decoded."""

    message_id: str
    subject: str
    sender_name: str
    sender: str  # "" unless the From header names exactly one valid address
    in_reply_to: list[str]
    references: list[str]
    headers: dict[str, str]
    text: str
    attachments: list[Attached] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    from_header: str = ""  # as it came (raw), to tell an admin why a sender was refused
    recipients: list[str] = field(default_factory=list)  # lower-case addresses
    cc: list[str] = field(default_factory=list)  # the Cc header's valid addresses, lower-case
    authentication_results: list[str] = field(default_factory=list)


class Reader:
    """One message parsed twice on demand: the modern policy, and compat32 as the fallback."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.modern = email.message_from_bytes(raw, policy=policy.default)
        self._compat: Message | None = None
        self.problems: list[str] = []

    @property
    def compat(self) -> Message:
        if self._compat is None:
            self._compat = email.message_from_bytes(self.raw, policy=policy.compat32)
        return self._compat

    def header(self, name: str) -> str:
        """The decoded header, "" when absent; never raises. Raw 8-bit bytes, which the modern
        policy turns into U+FFFD, are decoded from the compat copy instead."""
        try:
            value = self.modern[name]
            text = "" if value is None else str(value)
        except Exception as error:  # the modern policy refuses some malformed headers
            self.problems.append(f"{name}: {type(error).__name__}")
            text = "\ufffd"
        if "\ufffd" in text:
            text = decode_words(self.raw_header(name))
        return " ".join(fix_text(text).split())

    def raw_header(self, name: str) -> str:
        """The header as it came (8-bit bytes as surrogate escapes), unfolded."""
        return next(iter(self.raw_headers(name)), "")

    def raw_headers(self, name: str) -> list[str]:
        """Every occurrence of the header, as it came, unfolded."""
        return [
            " ".join(str(value).split())
            for key, value in self.compat.raw_items()
            if key.lower() == name.lower()
        ]


def message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value or "")


def _one_line(text: str) -> str:
    """A display name without line breaks or other control characters."""
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch.isspace())
    return " ".join(text.split())


def _address(value: str) -> str:
    address = fix_text(value.strip())
    return address.lower() if _ADDR_SPEC.fullmatch(address) else ""


def _sender(reader: Reader) -> tuple[str, str]:
    """(display name, address) from a From header that names exactly one valid address, else
    ("", ""). The address is the header's addr-spec, found by parsing the structure before any
    encoded word is decoded: a display name never supplies it, whatever it decodes to."""
    if len(reader.raw_headers("From")) != 1:
        return "", ""
    try:
        header = reader.modern["From"]
        addresses, groups, defects = header.addresses, header.groups, header.defects
    except Exception as error:  # malformed, or an encoded CR/LF in the display name
        reader.problems.append(f"From: {type(error).__name__}")
        return _sender_compat(reader.raw_header("From"))
    harmful = [d for d in defects if not isinstance(d, _HARMLESS_DEFECTS)]
    if len(addresses) != 1 or groups[0].display_name is not None or harmful:
        return "", ""
    address = _address(addresses[0].addr_spec)
    return (_one_line(fix_text(addresses[0].display_name)) if address else ""), address


def _sender_compat(raw: str) -> tuple[str, str]:
    """The lenient parser on the raw header, for what the modern one cannot read: the raw
    value still holds encoded words whole, so an address inside one counts as a second
    address and the header is refused."""
    try:
        pairs = [(name, address) for name, address in getaddresses([raw]) if name or address]
    except Exception:
        return "", ""
    if len(pairs) != 1:
        return "", ""
    name, address = pairs[0]
    address = _address(address)
    return (_one_line(decode_words(name)) if address else ""), address


def _recipients(reader: Reader) -> list[str]:
    values = [value for name in RECIPIENT_HEADERS for value in reader.raw_headers(name)]
    try:
        pairs = getaddresses(values)
    except Exception:  # unreadable recipients only cost the reply-address proof
        return []
    return [address.lower() for _, address in pairs if address]


def _copied(reader: Reader) -> list[str]:
    """The valid addresses in Cc, in order, once each (from the raw header: a display name
    never supplies an address)."""
    try:
        pairs = getaddresses(reader.raw_headers("Cc"))
    except Exception:  # an unreadable Cc only costs its watchers
        return []
    return list(dict.fromkeys(a for a in (_address(address) for _, address in pairs) if a))


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return fix_text(decode_words(name) if "=?" in name else name).strip()


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _walk(message: Message) -> tuple[str, str, list[Attached]]:
    plain: list[str] = []
    html: list[str] = []
    files: list[Attached] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            disposition = (part.get_content_disposition() or "").lower()
        except Exception:
            disposition = ""
        content_type = part.get_content_type()
        name = _filename(part)
        is_text = content_type in ("text/plain", "text/html")
        if disposition == "attachment" or name or not is_text:
            data = _payload(part)
            if data:
                files.append(
                    Attached(
                        name=name or _unnamed(content_type),
                        content_type=content_type,
                        data=data,
                        inline=disposition == "inline",
                    )
                )
            continue
        text = decode_bytes(_payload(part), _charset(part))
        (plain if content_type == "text/plain" else html).append(text)
    if plain:
        return "\n\n".join(plain), "", files
    return "", "\n\n".join(html), files


def _unnamed(content_type: str) -> str:
    """A name for a file that came without one, with an extension from its type."""
    subtype = content_type.partition("/")[2]
    suffix = subtype if subtype.isalnum() and len(subtype) <= 5 else "bin"
    return f"unnamed.{suffix}"


def parse(raw: bytes) -> ParsedMessage:
    """Parse one RFC 5322 message. Never raises for a malformed one: what cannot be read is
    left empty and named in `problems`."""
    reader = Reader(raw)
    sender_name, sender = _sender(reader)
    try:
        plain, html, files = _walk(reader.modern)
    except Exception as error:
        reader.problems.append(f"body: {type(error).__name__}")
        plain, html, files = _walk(reader.compat)
    text = plain or (html_to_text(html) if html else "")
    watched = (
        "Auto-Submitted",
        "Precedence",
        "X-Loop",
        "X-Autoreply",
        "X-Autorespond",
        "Return-Path",
        "X-Auto-Response-Suppress",
        "List-Id",
        "List-Unsubscribe",
        "List-Post",
        "Content-Type",
    )
    headers = {name.lower(): reader.raw_header(name) for name in watched if name in reader.compat}
    headers.update(
        {
            name.lower(): reader.raw_header(name)
            for name in reader.compat.keys()  # noqa: SIM118 (a Message is not a dict)
            if name.lower().startswith("list-")
        }
    )
    return ParsedMessage(
        message_id=(message_ids(reader.header("Message-ID")) or [""])[0],
        subject=reader.header("Subject"),
        sender_name=sender_name,
        sender=sender,
        in_reply_to=message_ids(reader.raw_header("In-Reply-To")),
        references=message_ids(reader.raw_header("References")),
        headers=headers,
        text=text.replace("\r\n", "\n").strip(),
        attachments=files,
        problems=reader.problems,
        from_header=reader.raw_header("From"),
        recipients=_recipients(reader),
        cc=_copied(reader),
        authentication_results=reader.raw_headers("Authentication-Results"),
    )
