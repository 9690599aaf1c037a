// KPI definitions on hover and focus: Bootstrap tooltips over the elements that carry them.
document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll('[data-bs-toggle="tooltip"]')) {
    window.bootstrap.Tooltip.getOrCreateInstance(element);
  }
});
