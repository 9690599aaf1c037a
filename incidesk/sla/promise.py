"""What the customer is told at registration: when to expect the first response, in their own
language and time zone ("в течение 4 рабочих часов — в понедельник, 16 ноября, до 12:30"; "—
сегодня до 12:30" and "— завтра до 12:30" when it is that close)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from incidesk.accounts.models import User
from incidesk.sla.models import SlaClock, TargetUnit

# One sentence per weekday: Russian puts the day in the accusative after «в»/«во».
ON_WEEKDAY = (
    gettext_lazy("on Monday, %(date)s, by %(time)s"),
    gettext_lazy("on Tuesday, %(date)s, by %(time)s"),
    gettext_lazy("on Wednesday, %(date)s, by %(time)s"),
    gettext_lazy("on Thursday, %(date)s, by %(time)s"),
    gettext_lazy("on Friday, %(date)s, by %(time)s"),
    gettext_lazy("on Saturday, %(date)s, by %(time)s"),
    gettext_lazy("on Sunday, %(date)s, by %(time)s"),
)


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if rest or not hours:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", rest) % {"n": rest})
    return " ".join(parts)


def _business_duration(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d business hour", "%(n)d business hours", hours) % {"n": hours}
    return _("%(duration)s of business time") % {"duration": _duration(minutes)}


def promise(clock: SlaClock, viewer: User) -> str:
    """The target and the due time of `clock`, as `viewer` reads them."""
    zone = ZoneInfo(viewer.time_zone or "Europe/Moscow")
    with translation.override(viewer.language), timezone.override(zone):
        when = _when(timezone.localtime(clock.due_at), timezone.localdate())
        if clock.unit == TargetUnit.WORKING_DAYS:
            span = ngettext("%(n)d working day", "%(n)d working days", clock.amount) % {
                "n": clock.amount
            }
        elif clock.calendar.always_open:
            span = _duration(clock.amount)
        else:
            span = _business_duration(clock.amount)
        return _("within %(span)s — %(when)s") % {"span": span, "when": when}


def _when(due: datetime, today: date) -> str:
    """The due time from the reader's today: "today by 13:00", "tomorrow by 13:00", else the
    weekday and the date, so nobody has to count the days to a bare date."""
    time = formats.time_format(due, "H:i")
    days = (due.date() - today).days
    if days == 0:
        return _("today by %(time)s") % {"time": time}
    if days == 1:
        return _("tomorrow by %(time)s") % {"time": time}
    day = formats.date_format(due, "j E" if due.year == today.year else "j E Y")
    return str(ON_WEEKDAY[due.weekday()]) % {"date": day, "time": time}
