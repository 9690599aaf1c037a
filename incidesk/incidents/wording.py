"""How an incident reads to a customer: its status in the mission's stages and its priority in
plain words. The portal, the console's customer preview and e-mails all say it the same way."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.catalog.models import HoldReason
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status

# The mission's stages, in order; each status sits at one of them.
STAGES: list[tuple[str, Promise]] = [
    ("registration", pgettext_lazy("stage", "Registered")),
    ("verification", pgettext_lazy("stage", "Verification")),
    ("resolution", pgettext_lazy("stage", "Resolution")),
    ("testing", pgettext_lazy("stage", "Testing")),
    ("closure", pgettext_lazy("stage", "Closed")),
]

STAGE_OF_STATUS = {
    Status.NEW: "verification",
    Status.IN_PROGRESS: "resolution",
    Status.ON_HOLD: "resolution",
    Status.RESOLVED: "testing",
    Status.CLOSED: "closure",
    Status.CANCELLED: "closure",
}

PRIORITY_WORDS: dict[int, Promise] = {
    1: _("critical: we act at once"),
    2: _("high"),
    3: _("medium"),
    4: _("low"),
    5: _("planned"),
}


@dataclass(frozen=True)
class Step:
    code: str
    label: Promise
    state: str  # "done", "current" or "todo"


def progress(incident: Incident) -> list[Step]:
    """The stages with the incident's place among them, for the progress line."""
    current = [code for code, _label in STAGES].index(STAGE_OF_STATUS[Status(incident.status)])
    return [
        Step(code, label, "done" if i < current else "current" if i == current else "todo")
        for i, (code, label) in enumerate(STAGES)
    ]


def customer_status(incident: Incident) -> str:
    """The status as a sentence the customer understands."""
    status = Status(incident.status)
    if status == Status.ON_HOLD:
        if incident.hold_reason is None:
            return str(_("verified, on hold"))
        if incident.hold_reason.code == HoldReason.AWAITING_CUSTOMER:
            return str(_("verified, waiting for your answer"))
        return str(
            _("verified, on hold: %(reason)s") % {"reason": incident.hold_reason.name.lower()}
        )
    return str(CUSTOMER_STATUS[status])


CUSTOMER_STATUS: dict[Status, Promise] = {
    Status.NEW: _("registered, awaiting verification"),
    Status.IN_PROGRESS: _("verified, being resolved"),
    Status.RESOLVED: _("testing: please confirm the fix"),
    Status.CLOSED: pgettext_lazy("customer", "closed"),
    Status.CANCELLED: pgettext_lazy("customer", "cancelled"),
}


def priority_words(priority: int) -> str:
    return str(PRIORITY_WORDS[priority])
