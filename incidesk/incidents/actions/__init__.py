"""Every change to an incident, one function per verb.

Each action locks the incident row, checks the state machine and the actor's rights, writes the
change and its timeline events in one transaction, and promises its background work
(notifications, reminders, auto-close) in that same transaction (`core.promises`). The web UI,
the API, e-mail, tasks and commands all call these; nothing else writes incident fields.

The verbs live in submodules by theme: `registration` (create, triage, priority, team),
`lifecycle` (accept to reopen and rate), `conversation` (comments, attachments), `links`
(incident and problem links), `macros` (which macro made a set of changes), `merge` (merge, its
undo, split), `system` (SLA checks, information-request expiry, auto-close, the problem cascade),
`watchers` (who else hears of it), `timekeeping` (time spent), `customfields` (custom field
values), `automated` (what only triggers do: tags, notices to staff); `_common` holds what
they share
(lock, rights check, save, commit).
"""

from incidesk.core.text import MAX_TITLE_LENGTH
from incidesk.incidents.actions._common import DUE_COLUMNS, MAX_DESCRIPTION_BYTES
from incidesk.incidents.actions.automated import do_add_tags, do_notify
from incidesk.incidents.actions.conversation import do_add_attachment, do_add_comment
from incidesk.incidents.actions.customfields import do_set_custom_fields
from incidesk.incidents.actions.lifecycle import (
    do_accept,
    do_assign,
    do_cancel,
    do_close,
    do_confirm,
    do_hold,
    do_rate,
    do_reopen,
    do_request_info,
    do_resolve,
    do_resume,
)
from incidesk.incidents.actions.links import do_link, do_link_problem, do_unlink_problem
from incidesk.incidents.actions.macros import do_record_macro
from incidesk.incidents.actions.merge import (
    do_add_merged_reply,
    do_merge,
    do_split,
    do_unmerge,
    move_related,
)
from incidesk.incidents.actions.registration import (
    EDITABLE_FIELDS,
    do_create_incident,
    do_override_priority,
    do_update_incident,
)
from incidesk.incidents.actions.system import (
    NO_ANSWER_NOTES,
    do_auto_close,
    do_check_due_sla,
    do_check_sla,
    do_expire_info_request,
    do_recompute_sla,
    do_remind_info_request,
    do_resolve_for_problem,
)
from incidesk.incidents.actions.timekeeping import do_edit_time, do_log_time
from incidesk.incidents.actions.watchers import (
    do_add_watcher,
    do_add_watcher_by_address,
    do_remove_watcher,
)

__all__ = [
    "DUE_COLUMNS",
    "EDITABLE_FIELDS",
    "MAX_DESCRIPTION_BYTES",
    "MAX_TITLE_LENGTH",
    "NO_ANSWER_NOTES",
    "do_accept",
    "do_add_attachment",
    "do_add_comment",
    "do_add_merged_reply",
    "do_add_tags",
    "do_add_watcher",
    "do_add_watcher_by_address",
    "do_assign",
    "do_auto_close",
    "do_cancel",
    "do_check_due_sla",
    "do_check_sla",
    "do_close",
    "do_confirm",
    "do_create_incident",
    "do_edit_time",
    "do_expire_info_request",
    "do_hold",
    "do_link",
    "do_link_problem",
    "do_log_time",
    "do_merge",
    "do_notify",
    "do_override_priority",
    "do_rate",
    "do_recompute_sla",
    "do_record_macro",
    "do_remind_info_request",
    "do_remove_watcher",
    "do_reopen",
    "do_request_info",
    "do_resolve",
    "do_resolve_for_problem",
    "do_resume",
    "do_set_custom_fields",
    "do_split",
    "do_unlink_problem",
    "do_unmerge",
    "do_update_incident",
    "move_related",
]
