"""The condition engine routing rules use, and triggers and the simulator will: a pure function
of a rule's conditions and an incident's facts, no database.

Conditions are a JSON object. Every key given must hold (AND); a key's list holds when the fact
is any of its values (OR). An empty object holds for every incident.

- `kind`, `channel`, `language`: codes; the incident's kind, channel, reporter's language;
- `category`: category ids; the incident's category or its parent;
- `service`, `organisation`: ids; the incident's service, organisation;
- `priority`: 1–5; the matrix priority of what was reported;
- `words`: words or phrases; one is in the title or description in any word form (Snowball
  stems, as search; a phrase holds when all its words are there);
- `vip`: true or false; the reporter is (not) a VIP.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import islice
from typing import Any

from incidesk.incidents.models import Incident
from incidesk.incidents.search import stem_words

KEYS = (
    "kind",
    "category",
    "service",
    "organisation",
    "channel",
    "priority",
    "language",
    "words",
    "vip",
)
_WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@dataclass(frozen=True)
class Facts:
    """What conditions look at, taken from an incident (saved or about to be)."""

    kind: str
    channel: str
    priority: int
    category_id: int | None = None
    category_parent_id: int | None = None
    service_id: int | None = None
    organisation_id: int | None = None
    language: str = ""
    vip: bool = False
    title: str = ""
    description: str = field(default="", repr=False)

    @cached_property
    def words(self) -> list[str]:
        """The distinct words of the title and description, normalised as search does, sorted
        (so the words that begin alike are found by bisection)."""
        text = f"{self.title}\n{self.description}".lower().replace("ё", "е")
        return sorted(set(_WORD.findall(text)))

    def has_stem(self, stem: str) -> bool:
        """Whether a word of the text has this Snowball stem. Only words that can have it are
        stemmed (Python's stemmer costs ~20 µs a word, and a pasted log has thousands): the
        Russian stemmer only cuts endings off, so its stem begins the word; the English one
        may change the last letters (happy → happi) but never the first."""
        prefix = stem if _CYRILLIC.search(stem) else stem[:1]
        words = self.words
        for word in islice(words, bisect_left(words, prefix), None):
            if not word.startswith(prefix):
                return False
            if _stems(word) == stem:
                return True
        return False


@dataclass(frozen=True)
class Matched:
    """One condition that held, with the values that made it hold."""

    condition: str
    values: tuple[Any, ...]

    def as_json(self) -> dict[str, Any]:
        return {"condition": self.condition, "values": list(self.values)}


def matches(conditions: Mapping[str, Any], facts: Facts) -> list[Matched] | None:
    """The conditions that held, in `KEYS` order, if all of them hold; None if one does not.
    A rule without conditions matches with an empty list."""
    matched = []
    for key in KEYS:
        if key not in conditions:
            continue
        values = _held(key, conditions[key], facts)
        if not values:
            return None
        matched.append(Matched(key, values))
    return matched


def _held(key: str, wanted: Any, facts: Facts) -> tuple[Any, ...]:
    """The wanted values the facts meet (empty: the condition does not hold)."""
    if key == "vip":
        return (wanted,) if bool(wanted) == facts.vip else ()
    if key == "words":
        return tuple(phrase for phrase in wanted if _phrase_in(phrase, facts))
    if key == "category":
        found = {facts.category_id, facts.category_parent_id} - {None}
        return tuple(value for value in wanted if value in found)
    fact = {
        "kind": facts.kind,
        "channel": facts.channel,
        "priority": facts.priority,
        "language": facts.language,
        "service": facts.service_id,
        "organisation": facts.organisation_id,
    }[key]
    return (fact,) if fact is not None and fact in wanted else ()


def _phrase_in(phrase: str, facts: Facts) -> bool:
    """Every word of the phrase is in the text, in any form (a phrase is a bag of words)."""
    wanted = _stems(phrase).split()
    return bool(wanted) and all(facts.has_stem(stem) for stem in wanted)


@lru_cache(maxsize=50_000)
def _stems(text: str) -> str:
    """Snowball stems as search makes them, remembered: rules and incidents repeat the same
    words (50,000 of them are a few MiB)."""
    return " ".join(stem_words(text))


def facts_of(incident: Incident) -> Facts:
    """The facts of an incident; its category and reporter are read through the relations, so
    load them with it (`select_related`), or set them, as registration does."""
    category, reporter = incident.category, incident.reporter
    return Facts(
        kind=incident.kind,
        channel=incident.channel,
        priority=incident.priority,
        category_id=category.pk if category is not None else None,
        category_parent_id=category.parent_id if category is not None else None,
        service_id=incident.service_id,
        organisation_id=incident.organisation_id,
        language=reporter.language if reporter is not None else "",
        vip=reporter.vip if reporter is not None else False,
        title=incident.title,
        description=incident.description,
    )
