// The workspace's macro picker (static, as the Content-Security-Policy allows no inline script).
// From the search field Enter previews the first macro found and the down arrow moves into the
// list; once a preview is shown its Apply button has the focus, so search, Enter, Enter applies.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (!event.target.matches("#macro-search")) return;
    var first = document.querySelector("#macro-results [data-macro-choice]");
    if (!first) return;
    if (event.key === "Enter") {
      event.preventDefault();
      first.click();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      first.focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    var choice = event.target.closest && event.target.closest("[data-macro-choice]");
    if (!choice || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    var item = choice.closest("li");
    var next = event.key === "ArrowDown" ? item.nextElementSibling : item.previousElementSibling;
    var target = next && next.querySelector("[data-macro-choice]");
    event.preventDefault();
    if (target) target.focus();
    else if (event.key === "ArrowUp") document.getElementById("macro-search").focus();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "macro-preview") return;
    var apply = event.target.querySelector("[data-testid=macro-apply]");
    if (apply) apply.focus();
  });
})();
