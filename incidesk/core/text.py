"""Text from outside, made safe to store: the one place that decides which characters go.

A one-line field (a title, a name, a phone) may end up in an e-mail header, a page heading, a
CSV cell or a log line, where a carriage return, line feed or NUL splits or truncates it, an
escape sequence drives a terminal, and a bidi override makes `exe.txt` read as `txt.exe`.
`clean_line` removes them: line breaks and tabs become one space (a subject folded over two
lines is still one title), every other C0/C1 control, DEL and the bidi embedding, override and
isolate marks are dropped. Multi-line text (descriptions, comments, notes) keeps its tabs and
line breaks and loses the other controls (`clean_text`).

Cleaning, not refusing, is deliberate: e-mail brings such subjects and names in good faith
(mis-folded headers, copied text), and a message must not be refused for an invisible
character. A field that is empty once cleaned gets the usual "required" error from its caller.
The actions clean what they store, so no surface (portal, console, API, e-mail, admin,
commands) can skip it; forms and API schemas use the same functions so their length and
required checks see the stored value. `checked_line` and `checked_text` are the actions' shared
intake checks: cleaned, then required and size limits, refused naming the field.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidesk.core.errors import InvalidInput

# U+2028/U+2029 are line and paragraph separators: line breaks to a browser's script and to
# some mail clients, so a one-line field treats them like CR and LF.
_LINE_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_TITLE_LENGTH = 200
MAX_TEXT_BYTES = 64 * 1024

_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_line(value: Any) -> str:
    """A one-line field as it is stored: breaks become a space, controls and bidi marks go,
    outer white space is trimmed. `None` becomes the empty string."""
    if value is None:
        return ""
    return _LINE_CONTROLS.sub("", _LINE_BREAKS.sub(" ", str(value))).strip()


def clean_text(value: Any) -> str:
    """Multi-line text as it is stored: tabs, line feeds and carriage returns stay, every other
    control character and bidi mark goes, outer white space is trimmed."""
    if value is None:
        return ""
    return _CONTROLS.sub("", str(value)).strip()


def checked_line(field: str, value: Any, *, max_length: int) -> str:
    """A required one-line field (a title), cleaned, at most `max_length` characters."""
    line = clean_line(value)
    if not line:
        raise InvalidInput.field(field, _("This field is required."))
    if len(line) > max_length:
        raise InvalidInput.field(field, _("At most %(n)d characters.") % {"n": max_length})
    return line


def checked_text(field: str, value: Any, *, required: bool = False, bounded: bool = False) -> str:
    """Multi-line text, cleaned; refused if `required` and empty, or if `bounded` and over
    `MAX_TEXT_BYTES` of UTF-8 (a description, a root cause)."""
    text = clean_text(value)
    if required and not text:
        raise InvalidInput.field(field, _("This field is required."))
    if bounded and len(text.encode()) > MAX_TEXT_BYTES:
        raise InvalidInput.field(field, _("At most 64 KiB of text."))
    return text


class LineField(forms.CharField):
    """A form field for one-line text, cleaned with `clean_line` before it is validated."""

    def to_python(self, value: Any) -> str | None:
        return super().to_python(clean_line(value) if value not in self.empty_values else value)
