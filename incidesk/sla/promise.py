"""What the customer is told at registration: when to expect the first response, in their own
language and time zone ("в течение 4 рабочих часов, до 12:30, 16 ноября")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidesk.accounts.models import User
from incidesk.sla.models import SlaClock, TargetUnit


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
        due = timezone.localtime(clock.due_at)
        today = timezone.localdate()
        when = formats.time_format(due, "H:i")
        if due.date() != today:
            when = f"{when}, {formats.date_format(due, 'j E')}"
        if clock.unit == TargetUnit.WORKING_DAYS:
            span = ngettext("%(n)d working day", "%(n)d working days", clock.amount) % {
                "n": clock.amount
            }
        elif clock.calendar.always_open:
            span = _duration(clock.amount)
        else:
            span = _business_duration(clock.amount)
        return _("within %(span)s, by %(when)s") % {"span": span, "when": when}
