"""SLA figures as a person reads them at a glance: days past a day, and no per cent that has
stopped meaning anything."""

from __future__ import annotations

from django.utils.translation import gettext as _

from incidesk.sla.explain import duration

DAY = 24 * 3600
# Past ten times the budget the exact figure says nothing more than "far over".
PERCENT_CAP = 999


def readable_duration(seconds: int) -> str:
    """ "36 дн. 6 ч" rather than "870 ч 13 мин"; under a day, hours and minutes."""
    seconds = abs(seconds)
    if seconds < DAY:
        return duration(seconds)
    days, rest = divmod(seconds, DAY)
    hours = (rest + 1800) // 3600
    if hours == 24:
        days, hours = days + 1, 0
    if hours:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return _("%(days)d d") % {"days": days}


def percent_text(percent: float) -> str:
    """ "42 %", or ">999 %" past the cap (spaced as the language writes it)."""
    if percent > PERCENT_CAP:
        return _(">%(percent)d%%") % {"percent": PERCENT_CAP}
    return _("%(percent)d%%") % {"percent": round(percent)}
