// Voce dashboard: one progressive enhancement. A "Copy" button next to each embed snippet
// copies it to the clipboard; without JavaScript the snippet stays selectable text. Served from
// the collector under a strict CSP (script-src 'self'); no inline script anywhere.
"use strict";
document.querySelectorAll("[data-copy]").forEach(function (button) {
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.value || source.textContent).then(function () {
      button.textContent = button.getAttribute("data-done");
    });
  });
});
