"""Each KPI's definition, shown on hover in the dashboard; docs/kpi.md says the same at length."""

from django.utils.translation import gettext_lazy as _

DEFINITIONS = {
    "volume": _(
        "Incidents and service requests registered in the period (local days of the viewer), "
        "cancelled ones included."
    ),
    "backlog": _(
        "Incidents open now (new, in progress, on hold), whatever the period; age = now − "
        "registration, wall clock."
    ),
    "durations": _(
        "MTTA = first response − registration, over incidents first answered in the period. "
        "MTTR = last resolution − registration, over incidents resolved in the period and not "
        "reopened since. Wall clock counts every hour; business time is the SLA clock: working "
        "hours of its calendar, less pauses on hold and testing time after a reopen. Median, "
        "mean and 90th percentile (continuous, interpolated)."
    ),
    "sla": _(
        "Per target: clocks completed in the period (response: first answered, resolution: "
        "resolved) that were met ÷ all completed, in per cent. Cancelled clocks do not count."
    ),
    "breaches": _(
        "Completed clocks that breached, by what the incident was waiting for when the target "
        "passed (in the queue, with the agent, on hold and why) and by its team."
    ),
    "quality": _(
        "Over incidents resolved in the period. Reopen rate: reopened at least once ÷ resolved. "
        "First-contact resolution: not reopened, no reply from the customer and at most one "
        "public message from the desk before resolving ÷ resolved. Resolved in the first reply: "
        "not reopened and no public message from the desk before the resolution ÷ resolved."
    ),
    "csat": _(
        "Ratings (1–5) given in the period: average and count per score, and the same split by "
        "whether the incident's SLA clocks were all met, one breached, or it had none."
    ),
    "causes": _(
        "Incidents registered in the period with a recorded cause, by the mission's top-level "
        "cause (sub-causes counted in their parent)."
    ),
    "trend": _(
        "Per local day, Monday week or month: registered incidents and service requests, "
        "resolved ones, and their mean time to resolve (wall clock)."
    ),
    "time_agents": _(
        "Minutes agents recorded in the period (with replies, notes and actions) on the "
        "incidents the filter selects, by the agent who recorded them; incidents = how many "
        "different incidents."
    ),
    "time_organisations": _(
        "The same minutes by the incident's organisation: what a service provider bills."
    ),
    "by_field": _(
        "Incidents registered in the period by their value of the chosen custom field: how "
        "many are open now, resolved (and not reopened since), with a breached SLA target, and "
        "their mean time to resolve (wall clock). With several choices an incident counts under "
        "each of its values."
    ),
}
