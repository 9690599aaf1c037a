// Incidesk page behaviour. A static file because the Content-Security-Policy allows no inline
// script: pages declare behaviour with data- attributes and this file wires it up.
(function () {
  "use strict";

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  // Keyboard shortcuts: an element with data-shortcut="r" is focused (fields) or clicked
  // (buttons, links) when the key is pressed outside a text field.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var element = document.querySelector('[data-shortcut="' + CSS.escape(event.key) + '"]');
    if (!element) return;
    event.preventDefault();
    if (element.matches("input, textarea, select")) element.focus();
    else element.click();
  });

  // Buttons that need a second thought: data-confirm="Are you sure?".
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });

  // A select that submits its form when changed (filters, language).
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
  });

  // Drop zones: files dropped on a .dropzone go into its file input (several at once).
  function wireDropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    var list = zone.querySelector("[data-file-list]");
    function show() {
      if (!list) return;
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name;
        list.appendChild(item);
      });
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-dragover"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var transfer = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (file) { transfer.items.add(file); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (file) {
        transfer.items.add(file);
      });
      input.files = transfer.files;
      show();
    });
    input.addEventListener("change", show);
  }

  // Toggle visibility: <input data-reveal="#id"> shows #id while checked.
  function wireReveal(input) {
    var target = document.querySelector(input.dataset.reveal);
    function sync() { if (target) target.hidden = !input.checked; }
    input.addEventListener("change", sync);
    sync();
  }

  // "Select all" checkbox for bulk actions: data-select-all="name of the row checkboxes".
  function wireSelectAll(box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('input[name="' + box.dataset.selectAll + '"]').forEach(
        function (row) { row.checked = box.checked; }
      );
    });
  }

  function each(root, selector, wireOne) {
    root.querySelectorAll(selector).forEach(function (element) {
      if (element.dataset.wired) return;
      element.dataset.wired = "1";
      wireOne(element);
    });
  }

  function wire(root) {
    each(root, ".dropzone", wireDropzone);
    each(root, "[data-reveal]", wireReveal);
    each(root, "[data-select-all]", wireSelectAll);
  }

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSettle", function (event) { wire(event.target); });
})();
