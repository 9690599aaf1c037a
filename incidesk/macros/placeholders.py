"""The placeholders a macro's text may use, and the one substitution that fills them.

Macros are written by leads and agents, so their text is never a Django template: a template
could reach `{{ request }}`, load tag libraries or walk from an object to its relations. A macro
knows only the names below. `{{ name }}` is found by one regular expression and replaced by a
plain string, once, left to right: a value that itself looks like a placeholder (a customer
called "{{ agent.name }}") stays as it is, and anything else in braces (`{% load %}`, `{{`
without its end) is ordinary text. Saving a macro that names a placeholder outside the list is
refused with the name; the text is stored and sent as plain text, escaped wherever it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from incidesk.accounts.models import User
from incidesk.incidents.models import Incident

# `{{ customer.name }}`: letters, digits, underscores and dots between the braces, spaces allowed.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
# Anything that looks like a placeholder attempt, for naming the bad ones: `{{ request.user }}`,
# `{{ x|safe }}`.
ATTEMPT = re.compile(r"\{\{\s*(.*?)\s*\}\}")


@dataclass(frozen=True)
class Context:
    """What a macro is rendered for: the incident, the agent applying it, and the customer's
    language and time zone (the reporter's; the desk's defaults for a contact without an
    account)."""

    incident: Incident
    agent: User | None  # None: the system (a trigger), named as the desk
    language: str
    zone: ZoneInfo

    @classmethod
    def of(cls, incident: Incident, agent: User | None) -> Context:
        reporter = incident.reporter
        language = reporter.language if reporter is not None else settings.LANGUAGE_CODE
        zone_name = reporter.time_zone if reporter is not None else settings.TIME_ZONE
        zone = ZoneInfo(zone_name or settings.TIME_ZONE)
        return cls(incident, agent, language or settings.LANGUAGE_CODE, zone)


def _customer_name(context: Context) -> str:
    incident = context.incident
    if incident.reporter is not None:
        return incident.reporter.display_name
    return incident.contact_name or incident.contact_email


def _when(context: Context, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    with translation.override(context.language):
        return formats.date_format(timezone.localtime(moment, context.zone), "j E H:i")


def _desk_name(context: Context) -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or "Incidesk"


@dataclass(frozen=True)
class Placeholder:
    name: str
    label: str | Promise
    value: Callable[[Context], str]


PLACEHOLDERS: dict[str, Placeholder] = {
    p.name: p
    for p in (
        Placeholder("customer.name", _("the customer's name"), _customer_name),
        Placeholder("incident.number", _("the incident number"), lambda c: c.incident.number),
        Placeholder("incident.title", _("the incident title"), lambda c: c.incident.title),
        Placeholder(
            "incident.response_due",
            _("when the response is due, in the customer's time zone"),
            lambda c: _when(c, c.incident.response_due_at),
        ),
        Placeholder(
            "incident.resolution_due",
            _("when the resolution is due, in the customer's time zone"),
            lambda c: _when(c, c.incident.resolution_due_at),
        ),
        Placeholder(
            "agent.name",
            _("your name"),
            lambda c: c.agent.display_name if c.agent is not None else _desk_name(c),
        ),
        Placeholder("desk.name", _("the desk's name"), _desk_name),
    )
}


def unknown(text: str) -> list[str]:
    """The placeholders `text` names that are not in the list, in order, each once."""
    found = [match.group(1) for match in ATTEMPT.finditer(text)]
    return list(dict.fromkeys(name for name in found if name not in PLACEHOLDERS))


def validate(text: str) -> None:
    """Refuse text naming a placeholder outside the list, saying which (for forms and the
    model's `clean`)."""
    bad = unknown(text)
    if bad:
        raise ValidationError(
            ngettext(
                "Unknown placeholder: %(names)s. Available: %(known)s.",
                "Unknown placeholders: %(names)s. Available: %(known)s.",
                len(bad),
            )
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in bad),
                "known": ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )


def render(text: str, context: Context) -> str:
    """`text` with each known placeholder replaced by its value; anything else left as written.
    One pass: what a value contains is never looked at again."""

    def fill(match: re.Match[str]) -> str:
        placeholder = PLACEHOLDERS.get(match.group(1))
        return placeholder.value(context) if placeholder is not None else match.group(0)

    return PLACEHOLDER.sub(fill, text)
