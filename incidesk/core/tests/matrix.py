"""The declared permission matrix: what each of the nine principals gets from every route.

`test_permission_matrix.py` walks the URL configuration and the NinjaAPI and calls every route
(pages: GET and POST; API: each method it declares) as each principal, with path parameters
filled from one small world (`matrix_world.py`). A route missing here fails the test, and so
does a line here whose route no longer exists.

**Declaring a route** is one line in `MATRIX`: `"<METHOD> <route>": <row>`, where the route is a
page's URL name (`portal:incident`) or an API path as written in its router, under /api/v1
(`/api/v1/incidents/{number}`). A route whose path names a verb is checked once per verb
(`POST console:act[resolve]`); a line without the verb covers them all. A row names, in the
order of `PRINCIPALS`, what each one gets:

- `ok`     served, or the action ran (2xx, or a redirect that carries no error message);
- `login`  sent to sign in;
- `msg`    sent back with an error message (the action refused);
- `401`, `403`, `404`, `405`  refused with that status;
- `409`, `422`  let in, but the state or the input was refused (pages show an action's
  refusal next to the form field, with 422).

Every refusal must leave the database as it was (checked). An API write whose body ninja
validates before the handler runs needs a valid body in `BODIES` (`$incident`, `$other`,
`$problem`, `$agent`, `$colleague`, `$file`, `$comment` are filled from the world), or a refusal
would be hidden behind a 422; a GET's entry is its query string.
"""

from incidesk.core.tests.matrix_world import PRINCIPALS

# --- rows: in each, the outcome for ---------------------------------------------------------
#    anonymous guest  customer colleague outsider other_agent agent lead admin
EVERYONE = "ok        ok    ok       ok        ok       ok          ok    ok   ok"
NO_SUCH = "405       405   405      405       405      405         405   405  405"
SIGNED_IN = "login     login ok       ok        ok       ok          ok    ok   ok"
LOGIN_THEN_405 = "login     login 405      405       405      405         405   405  405"
# An incident page: its reporter and shared colleagues; desk staff are sent to the console.
SEEN = "login     login ok       ok        404      ok          ok    ok   ok"
DESK = "login     login 403      403       403      ok          ok    ok   ok"
DESK_405 = "login     login 403      403       403      405         405   405  405"
# Let in, but the empty form is refused: nothing is written (checked like any refusal).
DESK_FORM = "login     login 403      403       403      422         422   422  422"
MANAGERS = "login     login 403      403       403      403         403   ok   ok"
MANAGERS_405 = "login     login 403      403       403      403         403   405  405"
# The private tracking link opens its one incident, for whoever holds it.
TRACKED = "404       ok    404      404       404      404         404   404  404"
# The API: no credentials is 401 everywhere.
API_SIGNED_IN = "401       401   ok       ok        ok       ok          ok    ok   ok"
API_SEEN = "401       401   ok       ok        404      ok          ok    ok   ok"
API_STAFF_VERB = "401       401   403      403       404      ok          ok    ok   ok"
API_OWNER_VERB = "401       401   ok       403       404      ok          ok    ok   ok"
API_DESK = "401       401   403      403       403      ok          ok    ok   ok"
# Problem verbs that only the problem's owner (the agent) or a lead/admin may use.
API_OWNER_OR_MANAGER = "401       401   403      403       403      403         ok    ok   ok"
OWNER_OR_MANAGER = "login     login 403      403       403      msg         ok    ok   ok"
OWNER_OR_MANAGER_FORM = "login     login 403      403       403      422         ok    ok   ok"
API_NONE = "401       401   404      404       404      404         404   404  404"
# A token that is not a live one (the world's tokens are tracking links, not confirmations).
NOBODY = "404       404   404      404       404      404         404   404  404"

MATRIX: dict[str, str] = {
    # the proxy's health check
    "GET health": EVERYONE,
    "POST health": NO_SUCH,
    # the admin's sign-in form, routed ahead of the admin to rate-limit failed sign-ins
    "GET admin_login": EVERYONE,
    "POST admin_login": EVERYONE,
    # web
    "GET web:home": EVERYONE,
    "POST web:home": EVERYONE,
    "GET web:login": EVERYONE,
    "POST web:login": EVERYONE,
    "GET web:logout": NO_SUCH,
    "POST web:logout": "login login login login login login login login login",
    # single sign-on: an unknown provider, and a callback no sign-in here started
    "GET sso:start": NOBODY,
    "POST sso:start": NO_SUCH,
    "GET sso:callback": "login login login login login login login login login",
    "POST sso:callback": NO_SUCH,
    # the provider's back-channel sign-out: POST only, for a configured provider
    "GET sso:backchannel_logout": NO_SUCH,
    "POST sso:backchannel_logout": NOBODY,
    "GET web:language": NO_SUCH,
    "POST web:language": EVERYONE,
    "GET web:preferences": SIGNED_IN,
    # two-factor sign-in: staff only (nobody in the world owes a code, so the steps send on)
    "GET mfa:verify": DESK,
    "POST mfa:verify": DESK,
    "GET mfa:enrol": DESK,
    "POST mfa:enrol": DESK_FORM,
    "GET mfa:recovery_codes": DESK_405,
    "POST mfa:recovery_codes": DESK,
    # passkeys: the list and its forms (someone else's passkey is missing), and the JSON
    # endpoints of the library's scripts, which answer 403 rather than send anyone to sign in;
    # completing a ceremony nobody began is a conflict with the session's state
    "GET mfa:passkeys": DESK,
    "POST mfa:passkeys": DESK_405,
    "GET mfa:passkey_added": DESK_405,
    "POST mfa:passkey_added": DESK,
    "GET mfa:passkey_remove": DESK_405,
    "POST mfa:passkey_remove": "login login 403 403 403 404 404 404 404",
    "GET mfa:passkey_register_begin": "403 403 403 403 403 405 405 405 405",
    "POST mfa:passkey_register_begin": "403 403 403 403 403 ok ok ok ok",
    "GET mfa:passkey_register_complete": "403 403 403 403 403 405 405 405 405",
    "POST mfa:passkey_register_complete": "403 403 403 403 403 409 409 409 409",
    "GET mfa:passkey_sign_begin": "403 403 403 403 403 405 405 405 405",
    "POST mfa:passkey_sign_begin": "403 403 403 403 403 ok ok ok ok",
    "GET mfa:passkey_sign_complete": "403 403 403 403 403 405 405 405 405",
    "POST mfa:passkey_sign_complete": "403 403 403 403 403 409 409 409 409",
    "GET mfa:passkey_messages": EVERYONE,
    "POST mfa:passkey_messages": NO_SUCH,
    "POST web:preferences": SIGNED_IN,
    "GET web:password_reset": EVERYONE,
    "POST web:password_reset": EVERYONE,
    "GET web:password_reset_done": EVERYONE,
    "POST web:password_reset_done": NO_SUCH,
    "GET web:password_reset_confirm": EVERYONE,
    "POST web:password_reset_confirm": EVERYONE,
    "GET web:password_reset_complete": EVERYONE,
    "POST web:password_reset_complete": NO_SUCH,
    # portal
    "GET portal:home": EVERYONE,
    "POST portal:home": EVERYONE,
    "GET portal:list": SIGNED_IN,
    "POST portal:list": SIGNED_IN,
    "GET portal:new": EVERYONE,
    "POST portal:new": EVERYONE,
    "GET portal:incident": SEEN,
    "POST portal:incident": SEEN,
    "GET portal:submitted": SEEN,
    "POST portal:submitted": SEEN,
    "GET portal:file": SEEN,
    "POST portal:file": SEEN,
    "GET portal:act": LOGIN_THEN_405,
    "POST portal:act": SEEN,
    # Confirming and rating are the reporter's (or the desk's), not a colleague's.
    "POST portal:act[confirm]": "login login ok msg 404 ok ok ok ok",
    "POST portal:act[rate]": "login login ok msg 404 msg msg msg msg",
    "POST portal:act[reopen]": "login login ok msg 404 ok ok ok ok",
    # Who hears of the incident is the reporter's (or the desk's) to decide.
    "POST portal:act[add-watcher]": "login login ok msg 404 ok ok ok ok",
    "GET portal:confirm": NOBODY,
    "POST portal:confirm": NOBODY,
    # A watcher's signed link to stop its mail: nobody in the world holds one.
    "GET portal:stop_watching": NOBODY,
    "POST portal:stop_watching": NOBODY,
    "GET portal:track": TRACKED,
    "POST portal:track": TRACKED,
    "GET portal:track_submitted": TRACKED,
    "POST portal:track_submitted": TRACKED,
    "GET portal:track_file": TRACKED,
    "POST portal:track_file": TRACKED,
    "GET portal:track_act": NO_SUCH,
    "POST portal:track_act": TRACKED,
    # console
    "GET console:queues": DESK,
    "POST console:queues": DESK,
    "GET console:queue_rows": DESK,
    "POST console:queue_rows": DESK,
    "GET console:save_view": DESK_405,
    "POST console:save_view": DESK,
    "GET console:delete_view": DESK_405,
    # A saved view is its owner's alone.
    "POST console:delete_view": "login login 403 403 403 404 ok 404 404",
    "GET console:bulk": DESK_405,
    "POST console:bulk": DESK,
    "GET console:lead": MANAGERS,
    "POST console:lead": MANAGERS,
    "GET console:register": DESK,
    "POST console:register": DESK,
    "GET console:customers": DESK,
    "POST console:customers": DESK_405,
    "GET console:incident": DESK,
    "POST console:incident": DESK,
    "GET console:comment": DESK_405,
    "POST console:comment": DESK_FORM,
    "GET console:act": DESK_405,
    "POST console:act": DESK_FORM,
    # macros: the world's macro is shared with the agent's team and was written by its lead
    "GET macros:list": DESK,
    "POST macros:list": DESK_405,
    "GET macros:new": DESK,
    "POST macros:new": DESK,
    "GET macros:edit": "login login 403 403 403 404 403 ok ok",
    "POST macros:edit": "login login 403 403 403 404 403 ok ok",
    "GET macros:delete": DESK_405,
    "POST macros:delete": "login login 403 403 403 404 403 ok ok",
    "GET macros:picker": DESK,
    "POST macros:picker": DESK_405,
    "GET macros:preview": "login login 403 403 403 404 ok ok ok",
    "POST macros:preview": DESK_405,
    "GET macros:apply": DESK_405,
    "POST macros:apply": "login login 403 403 403 404 ok ok ok",
    # Following is any agent's; correcting time is the entry's author's (none here: 422).
    "POST console:act[add-watcher]": DESK,
    "POST console:act[follow]": DESK,
    "POST console:act[unfollow]": DESK,
    # analytics
    "GET analytics:dashboard": DESK,
    "POST analytics:dashboard": NO_SUCH,
    "GET analytics:chart": DESK,
    "POST analytics:chart": NO_SUCH,
    # problems
    "GET problems:list": DESK,
    "POST problems:list": DESK,
    "GET problems:new": DESK,
    "POST problems:new": DESK,
    "GET problems:recurrence": DESK,
    "POST problems:recurrence": DESK,
    "GET problems:known_errors": DESK,
    "POST problems:known_errors": DESK,
    "GET problems:detail": DESK,
    "POST problems:detail": DESK,
    "GET problems:edit": DESK,
    "POST problems:edit": DESK,
    "GET problems:verb": DESK_405,
    "POST problems:verb": OWNER_OR_MANAGER,
    "POST problems:verb[known-error]": DESK_FORM,
    "POST problems:verb[resolve]": OWNER_OR_MANAGER_FORM,
    "POST problems:verb[reopen]": OWNER_OR_MANAGER_FORM,
    "GET problems:link": DESK_405,
    "POST problems:link": DESK_FORM,
    "GET problems:unlink": DESK_405,
    "POST problems:unlink": DESK,
    "GET problems:add_action": DESK_405,
    "POST problems:add_action": DESK_FORM,
    "GET problems:action_done": DESK_405,
    "POST problems:action_done": DESK,
    # routing rules, assignment modes and triggers in the console: leads and admins only
    "GET automation:rules": MANAGERS,
    "POST automation:rules": MANAGERS_405,
    "GET automation:rule_new": MANAGERS,
    "POST automation:rule_new": "login login 403 403 403 403 403 422 422",
    "GET automation:rule_edit": MANAGERS,
    "POST automation:rule_edit": "login login 403 403 403 403 403 422 422",
    "GET automation:rule_delete": MANAGERS_405,
    "POST automation:rule_delete": MANAGERS,
    "GET automation:rule_move": MANAGERS_405,
    "POST automation:rule_move": "login login 403 403 403 403 403 msg msg",
    "GET automation:teams": MANAGERS,
    "POST automation:teams": "login login 403 403 403 403 403 422 422",
    "GET automation:triggers": MANAGERS,
    "POST automation:triggers": MANAGERS_405,
    "GET automation:trigger_new": MANAGERS,
    "POST automation:trigger_new": "login login 403 403 403 403 403 422 422",
    "GET automation:trigger_edit": MANAGERS,
    "POST automation:trigger_edit": "login login 403 403 403 403 403 422 422",
    "GET automation:trigger_delete": MANAGERS_405,
    "POST automation:trigger_delete": MANAGERS,
    "GET automation:trigger_move": MANAGERS_405,
    "POST automation:trigger_move": "login login 403 403 403 403 403 msg msg",
    "GET automation:trigger_toggle": MANAGERS_405,
    "POST automation:trigger_toggle": MANAGERS,
    # the simulator's background runs; agents' availability (an empty form clears an absence)
    "GET automation:simulation_run": MANAGERS,
    "POST automation:simulation_run": MANAGERS_405,
    "GET automation:away": DESK,
    "POST automation:away": DESK,
    "GET automation:agents": MANAGERS,
    "POST automation:agents": MANAGERS_405,
    "GET automation:agent": MANAGERS,
    "POST automation:agent": MANAGERS,
    # recurring
    "GET recurring:groups": MANAGERS,
    "POST recurring:groups": MANAGERS_405,
    "GET recurring:create_problem": MANAGERS_405,
    "POST recurring:create_problem": MANAGERS,
    "GET recurring:link_problem": MANAGERS_405,
    "POST recurring:link_problem": MANAGERS,
    # The fragment answers everyone; visitors get it empty, customers known errors only.
    "GET recurring:suggest": EVERYONE,
    "POST recurring:suggest": NO_SUCH,
    "GET recurring:same_problem": LOGIN_THEN_405,
    # "Mine too" links the caller's own incident: a colleague's is not theirs to link.
    "POST recurring:same_problem": "login login ok msg msg ok ok ok ok",
    "GET recurring:duplicate": DESK_405,
    "POST recurring:duplicate": DESK,
    "GET recurring:link_major": DESK_405,
    "POST recurring:link_major": DESK,
    # knowledge base, readers' side: public articles also without signing in; what else each
    # principal reads is the VARIANTS' (organisation X's article, the internal one, the draft)
    "GET kb:list": EVERYONE,
    "POST kb:list": NO_SUCH,
    "GET kb:suggest": EVERYONE,
    "POST kb:suggest": NO_SUCH,
    "GET kb:article": EVERYONE,
    "POST kb:article": NO_SUCH,
    "GET kb:feedback": LOGIN_THEN_405,
    "POST kb:feedback": SIGNED_IN,
    "GET kb:image": EVERYONE,
    "POST kb:image": NO_SUCH,
    # knowledge base, the desk's side (the world's articles are the agent's)
    "GET knowledge:list": DESK,
    "POST knowledge:list": DESK,
    "GET knowledge:new": DESK,
    "POST knowledge:new": DESK_FORM,
    "GET knowledge:report": DESK,
    "POST knowledge:report": NO_SUCH,
    "GET knowledge:from_incident": DESK_405,
    # The world's incident is in progress: only a resolved one becomes an article.
    "POST knowledge:from_incident": "login login 403 403 403 msg msg msg msg",
    "GET knowledge:from_group": MANAGERS_405,
    # No incidents named: nothing to write up.
    "POST knowledge:from_group": "login login 403 403 403 403 403 msg msg",
    "GET knowledge:from_problem": DESK_405,
    "POST knowledge:from_problem": DESK,
    "GET knowledge:panel": DESK,
    "POST knowledge:panel": NO_SUCH,
    "GET knowledge:send": DESK_405,
    "POST knowledge:send": DESK,
    "GET knowledge:link": DESK_405,
    "POST knowledge:link": DESK,
    "GET knowledge:task_done": DESK_405,
    # A task is its owner's alone.
    "POST knowledge:task_done": "login login 403 403 403 404 ok 404 404",
    "GET knowledge:detail": DESK,
    "POST knowledge:detail": DESK,
    "GET knowledge:edit": DESK,
    "POST knowledge:edit": DESK_FORM,
    "GET knowledge:verb": DESK_405,
    # The world's article is published: only archiving applies, for its owner or a manager.
    "POST knowledge:verb": "login login 403 403 403 msg msg msg msg",
    "POST knowledge:verb[archive]": "login login 403 403 403 msg ok ok ok",
    "GET knowledge:diff": DESK,
    "POST knowledge:diff": NO_SUCH,
    "GET knowledge:image_upload": DESK_405,
    "POST knowledge:image_upload": "login login 403 403 403 msg msg msg msg",
    # the bell: each signed-in person's own notifications
    "GET notifications:list": SIGNED_IN,
    "POST notifications:list": LOGIN_THEN_405,
    "GET notifications:bell": SIGNED_IN,
    "POST notifications:bell": LOGIN_THEN_405,
    "GET notifications:read": LOGIN_THEN_405,
    "POST notifications:read": SIGNED_IN,
    "GET /api/v1/notifications": API_SIGNED_IN,
    "POST /api/v1/notifications/read": API_SIGNED_IN,
    # API: incidents
    "GET /api/v1/incidents": API_SIGNED_IN,
    "POST /api/v1/incidents": "401 401 ok ok ok 422 422 422 422",
    "GET /api/v1/incidents/{number}": API_SEEN,
    "PATCH /api/v1/incidents/{number}": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/accept": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/assign": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/hold": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/request-info": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/resume": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/resolve": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/confirm": API_OWNER_VERB,
    "POST /api/v1/incidents/{number}/actions/reopen": API_OWNER_VERB,
    "POST /api/v1/incidents/{number}/actions/close": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/cancel": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/link": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/merge": API_STAFF_VERB,
    # Nothing in the world was merged: staff get the guard's refusal.
    "POST /api/v1/incidents/{number}/actions/unmerge": "401 401 403 403 404 409 409 409 409",
    "POST /api/v1/incidents/{number}/actions/split": API_STAFF_VERB,
    "POST /api/v1/incidents/{number}/actions/rate": "401 401 ok 403 404 403 403 403 403",
    "POST /api/v1/incidents/{number}/actions/{verb}": API_NONE,
    # Watchers: the reporter and the desk add and remove; a colleague sees only their own entry
    # (the world's watcher is someone else, so it is a 404 to them).
    "GET /api/v1/incidents/{number}/watchers": API_SEEN,
    "POST /api/v1/incidents/{number}/watchers": "401 401 ok 403 404 ok ok ok ok",
    "DELETE /api/v1/incidents/{number}/watchers/{watcher_id}": "401 401 ok 404 404 ok ok ok ok",
    "GET /api/v1/incidents/{number}/comments": API_SEEN,
    "POST /api/v1/incidents/{number}/comments": API_SEEN,
    "GET /api/v1/incidents/{number}/timeline": API_SEEN,
    "GET /api/v1/incidents/{number}/attachments": API_SEEN,
    "POST /api/v1/incidents/{number}/attachments": API_SEEN,
    "GET /api/v1/incidents/{number}/attachments/{attachment_id}": API_SEEN,
    "GET /api/v1/incidents/{number}/sla": API_SEEN,
    # API: macros (desk only; the world's macro is not the other team's to see)
    "GET /api/v1/macros": API_DESK,
    "POST /api/v1/incidents/{number}/apply-macro": "401 401 403 403 404 404 ok ok ok",
    "GET /api/v1/incidents/{number}/automation": API_DESK,
    # API: accounts and reference data
    "GET /api/v1/me": API_SIGNED_IN,
    "GET /api/v1/teams": API_SIGNED_IN,
    "GET /api/v1/categories": API_SIGNED_IN,
    "GET /api/v1/custom-fields": API_SIGNED_IN,
    "GET /api/v1/services": API_SIGNED_IN,
    "GET /api/v1/causes": API_SIGNED_IN,
    "GET /api/v1/hold-reasons": API_SIGNED_IN,
    "GET /api/v1/resolution-codes": API_SIGNED_IN,
    # API: reports (a customer may export the incidents they can see, nothing else)
    "GET /api/v1/reports/summary": API_DESK,
    "GET /api/v1/reports/export/incidents.{fmt}": API_SIGNED_IN,
    "GET /api/v1/reports/export/{table}.{fmt}": API_DESK,
    # API: problems (desk only)
    "GET /api/v1/problems": API_DESK,
    "POST /api/v1/problems": API_DESK,
    "GET /api/v1/problems/recurrence": API_DESK,
    "GET /api/v1/problems/{number}": API_DESK,
    "PATCH /api/v1/problems/{number}": API_DESK,
    "POST /api/v1/problems/{number}/actions/known-error": "401 401 403 403 403 409 409 409 409",
    "POST /api/v1/problems/{number}/actions/resolve": API_OWNER_OR_MANAGER,
    "POST /api/v1/problems/{number}/actions/reopen": API_OWNER_OR_MANAGER,
    "POST /api/v1/problems/{number}/actions/close": API_OWNER_OR_MANAGER,
    "GET /api/v1/problems/{number}/incidents": API_DESK,
    "POST /api/v1/problems/{number}/incidents": API_DESK,
    "DELETE /api/v1/problems/{number}/incidents/{incident}": API_DESK,
    "GET /api/v1/problems/{number}/preventive-actions": API_DESK,
    "POST /api/v1/problems/{number}/preventive-actions": API_DESK,
    "POST /api/v1/problems/{number}/preventive-actions/{action_id}/done": API_DESK,
    "GET /api/v1/problems/{number}/history": API_DESK,
    "GET /api/v1/problems/{number}/recurrence": API_DESK,
    # API: recurring incidents
    "GET /api/v1/recurring/similar": API_SIGNED_IN,
    "GET /api/v1/recurring/groups": API_DESK,
    # API: knowledge base (versions and answers are the desk's)
    "GET /api/v1/kb/articles": API_SIGNED_IN,
    "POST /api/v1/kb/articles": API_DESK,
    "GET /api/v1/kb/articles/{article_id}": API_SIGNED_IN,
    "GET /api/v1/kb/articles/{article_id}/versions": API_DESK,
    "GET /api/v1/kb/articles/{article_id}/feedback": API_DESK,
    "POST /api/v1/kb/articles/{article_id}/feedback": API_SIGNED_IN,
    # API: anything else is a problem+json 404 (after authentication)
    "GET /api/v1/{path:rest}": API_NONE,
    "POST /api/v1/{path:rest}": API_NONE,
    "PUT /api/v1/{path:rest}": API_NONE,
    "PATCH /api/v1/{path:rest}": API_NONE,
    "DELETE /api/v1/{path:rest}": API_NONE,
}

# Someone else's object of the same kind in place of the one the route names: `(route,
# {parameter: object}, row)`; objects are named in `matrix_world.OBJECTS`.
VARIANTS: dict[str, tuple[str, dict[str, str], str]] = {
    "internal file on the portal": (
        "GET portal:file",
        {"pk": "internal_file"},
        "login login 404 404 404 ok ok ok ok",
    ),
    "another incident's file on the portal": (
        "GET portal:file",
        {"pk": "foreign_file"},
        "login login 404 404 404 404 404 404 404",
    ),
    "internal file by tracking link": (
        "GET portal:track_file",
        {"pk": "internal_file"},
        "404 404 404 404 404 404 404 404 404",
    ),
    "another incident's file by tracking link": (
        "GET portal:track_file",
        {"pk": "foreign_file"},
        "404 404 404 404 404 404 404 404 404",
    ),
    "the reporter's other incident's file by tracking link": (
        "GET portal:track_file",
        {"token": "sibling_token"},
        "404 404 404 404 404 404 404 404 404",
    ),
    "internal file through the API": (
        "GET /api/v1/incidents/{number}/attachments/{attachment_id}",
        {"attachment_id": "internal_file"},
        "401 401 404 404 404 ok ok ok ok",
    ),
    "another incident's file through the API": (
        "GET /api/v1/incidents/{number}/attachments/{attachment_id}",
        {"attachment_id": "foreign_file"},
        "401 401 404 404 404 404 404 404 404",
    ),
    "another problem's preventive action": (
        "POST /api/v1/problems/{number}/preventive-actions/{action_id}/done",
        {"action_id": "foreign_action"},
        "401 401 403 403 403 404 404 404 404",
    ),
    "another problem's preventive action on its page": (
        "POST problems:action_done",
        {"action_id": "foreign_action"},
        "login login 403 403 403 msg msg msg msg",
    ),
    "the internal article on the portal": (
        "GET kb:article",
        {"article_id": "internal_article"},
        "404 404 404 404 404 ok ok ok ok",
    ),
    "a draft on the portal": (
        "GET kb:article",
        {"article_id": "draft_article"},
        "404 404 404 404 404 ok ok ok ok",
    ),
    "organisation X's article on the portal": (
        "GET kb:article",
        {"article_id": "org_article"},
        "404 404 ok ok 404 ok ok ok ok",
    ),
    "the internal article's picture": (
        "GET kb:image",
        {"article_id": "internal_article", "image_id": "internal_image"},
        "404 404 404 404 404 ok ok ok ok",
    ),
    "another article's picture under a public one": (
        "GET kb:image",
        {"image_id": "internal_image"},
        "404 404 404 404 404 404 404 404 404",
    ),
    "an answer to the internal article": (
        "POST kb:feedback",
        {"article_id": "internal_article"},
        "login login 404 404 404 ok ok ok ok",
    ),
    "the internal article through the API": (
        "GET /api/v1/kb/articles/{article_id}",
        {"article_id": "internal_article"},
        "401 401 404 404 404 ok ok ok ok",
    ),
    "a draft through the API": (
        "GET /api/v1/kb/articles/{article_id}",
        {"article_id": "draft_article"},
        "401 401 404 404 404 ok ok ok ok",
    ),
    "an answer to the internal article through the API": (
        "POST /api/v1/kb/articles/{article_id}/feedback",
        {"article_id": "internal_article"},
        "401 401 404 404 404 ok ok ok ok",
    ),
    "unlinking an incident the problem does not have": (
        "DELETE /api/v1/problems/{number}/incidents/{incident}",
        {"incident": "unlinked_incident"},
        "401 401 403 403 403 422 422 422 422",
    ),
}

BODIES: dict[str, object] = {
    "POST portal:act[reply]": {"body": "Всё ещё не работает"},
    "POST portal:act[reopen]": {"reason": "Не помогло"},
    "POST portal:act[rate]": {"rating": "5"},
    "POST portal:track_act[reply]": {"body": "Всё ещё не работает"},
    "POST portal:track_act[reopen]": {"reason": "Не помогло"},
    "POST portal:track_act[rate]": {"rating": "5"},
    "POST portal:act[add-watcher]": {"email": "$colleague"},
    "POST portal:act[remove-watcher]": {"email": "$colleague"},
    "POST portal:track_act[add-watcher]": {"email": "$colleague"},
    "POST portal:track_act[remove-watcher]": {"email": "$colleague"},
    "POST console:act[time]": {"time-entry": "1", "time-minutes": "5"},
    "POST console:act[add-watcher]": {"add-watcher-email": "$colleague"},
    "POST console:save_view": {"name": "Новые", "query": "status=new"},
    "POST console:bulk": {"incident": "$incident", "action": "assign", "assignee": "$agent"},
    "POST console:register": {
        "title": "Не печатает принтер",
        "contact_name": "Звонящий",
        "contact_phone": "+7 900 000-00-00",
        "channel": "phone",
        "kind": "incident",
        "impact": "medium",
        "urgency": "medium",
    },
    "POST recurring:same_problem": {"incident": "$incident"},
    "POST problems:verb[resolve]": {"resolve-notes": "Обновили драйвер"},
    "POST problems:verb[reopen]": {"reopen-reason": "Вернулось"},
    "POST problems:verb[known-error]": {"known-error-workaround": "Перезапустить спулер"},
    "POST recurring:duplicate": {"incident": "$incident", "original": "$other"},
    "POST recurring:link_major": {"incident": "$incident", "original": "$other"},
    "POST recurring:create_problem": {"incident": "$incident", "title": "Группа сбоев"},
    "POST recurring:link_problem": {"incident": "$other", "problem": "$problem"},
    "POST /api/v1/incidents": {"title": "Не работает почта"},
    "PATCH /api/v1/incidents/{number}": {"version": "$version", "title": "Принтер на 3 этаже"},
    "POST /api/v1/incidents/{number}/actions/assign": {"assignee": "$agent"},
    "POST /api/v1/incidents/{number}/actions/hold": {"reason": "awaiting_vendor"},
    "POST /api/v1/incidents/{number}/actions/request-info": {"message": "Какая модель?"},
    "POST /api/v1/incidents/{number}/actions/resolve": {
        "cause": "hardware_failure",
        "resolution_code": "fixed",
        "notes": "Заменили картридж",
    },
    "POST /api/v1/incidents/{number}/actions/reopen": {"reason": "Не помогло"},
    "POST /api/v1/incidents/{number}/actions/rate": {"rating": 5},
    "POST /api/v1/incidents/{number}/actions/cancel": {"reason": "Ошибочная заявка"},
    "POST /api/v1/incidents/{number}/actions/link": {"target": "$other", "kind": "related"},
    "POST /api/v1/incidents/{number}/actions/merge": {"target": "$other"},
    "POST /api/v1/incidents/{number}/actions/split": {"comment": "$comment", "title": "Сканер"},
    "POST /api/v1/incidents/{number}/comments": {"body": "Есть новости?"},
    "POST /api/v1/incidents/{number}/watchers": {"email": "$colleague"},
    "POST /api/v1/incidents/{number}/attachments": {"file": "$file"},
    "POST /api/v1/problems": {"title": "Сбой печати"},
    "PATCH /api/v1/problems/{number}": {"title": "Сбой печати на этаже"},
    "GET /api/v1/problems/recurrence": {"date": "2026-01-01"},
    "POST /api/v1/problems/{number}/actions/known-error": {"workaround": "Перезапустить спулер"},
    "POST /api/v1/problems/{number}/actions/resolve": {"notes": "Обновили драйвер"},
    "POST /api/v1/problems/{number}/actions/reopen": {"reason": "Вернулось"},
    "POST /api/v1/problems/{number}/incidents": {"incidents": ["$other"]},
    "POST /api/v1/problems/{number}/preventive-actions": {"title": "Аудит", "owner": "$agent"},
    "POST /api/v1/problems/{number}/preventive-actions/{action_id}/done": {"done": True},
    "GET /api/v1/recurring/similar": {"text": "принтер не печатает"},
    "POST /api/v1/notifications/read": {"ids": [1]},
    "POST macros:new": {
        "name": "Мой макрос",
        "scope": "personal",
        "reply_visibility": "public",
        "reply_ru": "Принято",
    },
    "POST macros:edit": {
        "name": "Матрица: запрос модели",
        "scope": "team",
        "for_team": "$team",
        "reply_visibility": "public",
        "reply_ru": "Какая модель?",
        "verb": "request-info",
    },
    "POST macros:apply": {"version": "$version"},
    "POST /api/v1/incidents/{number}/apply-macro": {"macro": "$macro"},
    "GET kb:list": {"q": "статья"},
    "GET kb:suggest": {"title": "Статья", "description": "статьи"},
    "POST kb:feedback": {"helped": "yes"},
    "POST knowledge:send": {"article": "$article"},
    "POST knowledge:link": {"article": "$article"},
    "POST /api/v1/kb/articles": {"title_ru": "Статья"},
    "GET /api/v1/kb/articles": {"q": "статья"},
    "POST /api/v1/kb/articles/{article_id}/feedback": {"helped": True},
}


def row(text: str) -> dict[str, str]:
    """A declared row as {principal: outcome}."""
    outcomes = text.split()
    if len(outcomes) != len(PRINCIPALS):
        raise ValueError(
            f"a row names {len(PRINCIPALS)} outcomes ({', '.join(PRINCIPALS)}): {text!r}"
        )
    return dict(zip(PRINCIPALS, outcomes, strict=True))
