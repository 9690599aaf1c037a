"""The macros API's shapes. Reference data travels by its code, people by e-mail."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

from incidesk.incidents.models import Visibility
from incidesk.incidents.schemas import Strict
from incidesk.macros.models import Macro, MacroVerb, Scope


class MacroOut(Schema):
    """A macro the caller may apply, with its texts as written (placeholders unfilled)."""

    id: int
    name: str
    scope: Scope
    team: str | None
    reply_ru: str
    reply_en: str
    reply_visibility: Visibility
    verb: MacroVerb | None
    verb_text_ru: str
    verb_text_en: str
    updated_at: datetime

    @staticmethod
    def resolve_team(obj: Macro) -> str | None:
        return obj.for_team.code if obj.for_team is not None else None

    @staticmethod
    def resolve_verb(obj: Macro) -> str | None:
        return obj.verb or None


class ApplyMacroIn(Strict):
    macro: int
    version: int | None = None
