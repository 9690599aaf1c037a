"""The differences between two versions of an article, line by line (difflib), as data: the
template escapes every line like any other text, so a diff of Markdown or HTML shows the
source, never runs it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from incidesk.knowledge.models import ArticleVersion

FIELDS = (
    ("title_ru", _("Title (Russian)")),
    ("body_ru", _("Text (Russian)")),
    ("title_en", _("Title (English)")),
    ("body_en", _("Text (English)")),
)
CONTEXT_LINES = 2


@dataclass(frozen=True)
class Line:
    kind: str  # "same", "added", "removed", "gap"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    label: str
    lines: list[Line]


def diff(old: ArticleVersion, new: ArticleVersion) -> list[FieldDiff]:
    """What changed from `old` to `new`, field by field; unchanged fields are left out."""
    changes = []
    for name, label in FIELDS:
        before, after = getattr(old, name).splitlines(), getattr(new, name).splitlines()
        if before == after:
            continue
        lines: list[Line] = []
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
            if lines:
                lines.append(Line("gap", "…"))
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    lines.extend(Line("same", text) for text in before[i1:i2])
                    continue
                lines.extend(Line("removed", text) for text in before[i1:i2])
                lines.extend(Line("added", text) for text in after[j1:j2])
        changes.append(FieldDiff(str(label), lines))
    return changes
