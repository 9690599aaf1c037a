// Agent console behaviour (static, as the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  // The editor's switch: reply to the customer or internal note. The colour and the button
  // follow the choice; picking a mode (click or the r / n shortcut) puts the cursor in the text.
  function syncEditor(editor) {
    var internal = editor.querySelector('input[type=radio][value="internal"]');
    editor.classList.toggle("is-internal", Boolean(internal && internal.checked));
  }

  document.addEventListener("change", function (event) {
    var editor = event.target.closest("[data-editor]");
    if (editor && event.target.type === "radio") syncEditor(editor);
    if (event.target.matches("#bulk-form select[name=action]")) syncBulk(event.target);
    // The assign form starts from the current team and assignee; moving to another team
    // leaves the choice of agent open (the current one may not be in it).
    if (event.target.matches("select[name=assign-team]")) {
      var assignee = event.target.form.querySelector("select[name=assign-assignee]");
      if (assignee) assignee.value = "";
    }
  });

  document.addEventListener("click", function (event) {
    var label = event.target.closest("[data-editor-mode]");
    if (!label) return;
    var editor = label.closest("[data-editor]");
    window.setTimeout(function () {
      syncEditor(editor);
      var text = editor.querySelector("textarea");
      if (text) text.focus();
    }, 0);
  });

  // An unverified e-mail: "reply quoting it" starts a reply to the customer with its text
  // quoted, so the reporter can confirm from their real mailbox whether they wrote it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-quote]");
    var editor = document.querySelector("[data-editor]");
    if (!button || !editor) return;
    var body = button.closest("li").querySelector(".body");
    var reply = editor.querySelector('input[type=radio][value="public"]');
    var text = editor.querySelector("textarea");
    var quoted = body.textContent.split("\n").map(function (line) { return "> " + line; });
    if (reply) reply.checked = true;
    text.value = quoted.join("\n") + "\n\n" + text.value;
    syncEditor(editor);
    text.focus();
  });

  // An action opened (click or shortcut) gets the focus in its first field.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details[data-focus-first]") || !details.open) return;
    var field = details.querySelector("select, textarea, input:not([type=hidden])");
    if (field) field.focus();
  }, true);

  // Bulk bar: show only the field the chosen action needs.
  function syncBulk(select) {
    document.querySelectorAll("[data-bulk-for]").forEach(function (element) {
      element.hidden = element.dataset.bulkFor !== select.value;
    });
  }

  // Live queue: do not replace the table while rows are ticked for a bulk action.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.id === "queue-live" &&
        document.querySelector('input[name="incident"]:checked')) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-editor]").forEach(syncEditor);
    var action = document.querySelector("#bulk-form select[name=action]");
    if (action) syncBulk(action);
  });
})();
