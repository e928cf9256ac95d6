// During a take-over the request page shows the newcomer's answers as they arrive: it reloads
// every few seconds, but never while the caseworker is writing a message.
"use strict";

(() => {
  const seconds = Number(document.body.dataset.refresh || 0);
  if (!seconds) return;
  setInterval(() => {
    const writing = document.querySelector(".say textarea");
    if (writing && (writing.value.trim() || document.activeElement === writing)) return;
    window.location.reload();
  }, seconds * 1000);
})();
