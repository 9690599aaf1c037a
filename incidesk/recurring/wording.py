"""How a group reads to a lead: "14 инцидентов по теме «VPN, 809» за 7 дней, 9 организаций"."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidesk.recurring.similarity import Group


def group_summary(group: Group) -> str:
    """The group in one sentence, with the right plural form of each number."""
    incidents = ngettext("%(n)d incident", "%(n)d incidents", group.size) % {"n": group.size}
    days = ngettext("%(n)d day", "%(n)d days", group.days) % {"n": group.days}
    organisations = ngettext("%(n)d organisation", "%(n)d organisations", group.organisations) % {
        "n": group.organisations
    }
    if not group.top_terms:
        return _("%(incidents)s in %(days)s, %(organisations)s") % {
            "incidents": incidents,
            "days": days,
            "organisations": organisations,
        }
    return _("%(incidents)s about “%(terms)s” in %(days)s, %(organisations)s") % {
        "incidents": incidents,
        "terms": ", ".join(group.top_terms[:3]),
        "days": days,
        "organisations": organisations,
    }


def trend_words(group: Group) -> str:
    """How the later half of the window compares with the earlier half."""
    if group.trend > 0:
        return _("growing: %(recent)d lately against %(earlier)d before") % {
            "recent": group.recent,
            "earlier": group.earlier,
        }
    if group.trend < 0:
        return _("fading: %(recent)d lately against %(earlier)d before") % {
            "recent": group.recent,
            "earlier": group.earlier,
        }
    return _("steady")


def field_labels(fields: list[str]) -> list[str]:
    """Names of the shared reference fields, in the reader's language."""
    names = {
        "service": _("same service"),
        "category": _("same category"),
        "organisation": _("same organisation"),
    }
    return [names[name] for name in fields]
