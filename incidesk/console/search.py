"""The console's search box: an exact incident number opens that incident, whatever queue is
open; anything else is a full-text search over everything the agent may see."""

from __future__ import annotations

import re

from incidesk.accounts.models import User
from incidesk.core.errors import NotFound
from incidesk.incidents.access import access_incident
from incidesk.incidents.models import Incident
from incidesk.incidents.numbering import PREFIX

# What people type for a number heard on the phone: "INC-000506", "inc506", "инц 506",
# "Инцидент №506", "#506", "506". The digits are the number; leading zeros do not matter.
NUMBER = re.compile(
    r"^\s*(?:(?:inc|инц(?:идент)?)\.?\s*[-–—#№]?\s*|[#№]\s*)?0*(\d{1,9})\s*$", re.IGNORECASE
)


def incident_number(text: str) -> str | None:
    """The incident number `text` names exactly, or None if it is not a number."""
    match = NUMBER.match(text or "")
    if match is None:
        return None
    return f"{PREFIX}-{int(match.group(1)):06d}"


def jump(user: User, text: str) -> tuple[str | None, Incident | None]:
    """The number `text` names and the incident, if `user` may see it (through access)."""
    number = incident_number(text)
    if number is None:
        return None, None
    try:
        return number, access_incident(user, number)
    except NotFound:
        return number, None
