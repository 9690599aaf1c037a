"""The glossary (`docs/glossary.md`) as data, for the tests that hold every catalogue and page
to it: the words we do not use, and the internal codes people must never read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import incidesk

PACKAGE = Path(incidesk.__file__).resolve().parent
GLOSSARY = PACKAGE.parent / "docs" / "glossary.md"


def banned_words() -> dict[str, str]:
    """{stem of a word not used: the concept it would name}, from the table's last column."""
    banned: dict[str, str] = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("concept", "---"):
            continue
        for stem in filter(None, (word.strip() for word in cells[3].split(","))):
            banned[stem.lower()] = cells[0]
    return banned


def banned_in(text: str, banned: dict[str, str]) -> list[str]:
    """The banned stems that start a word of `text` (Cyrillic-aware word start)."""
    return [
        stem
        for stem in banned
        if re.search(r"(?<![0-9A-Za-zА-Яа-яЁё])" + re.escape(stem), text, re.IGNORECASE)
    ]


def russian_catalogues() -> list[Path]:
    return sorted(PACKAGE.glob("**/locale/ru/LC_MESSAGES/django.po"))


def msgstrs(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every translation in a .po file, continuation lines joined."""
    current: str | None = None
    start = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("msgstr"):
            if current is not None:
                yield start, current
            current, start = line.split(" ", 1)[1].strip()[1:-1], number
        elif line.startswith('"') and current is not None:
            current += line.strip()[1:-1]
        elif current is not None:
            yield start, current
            current = None
    if current is not None:
        yield start, current
