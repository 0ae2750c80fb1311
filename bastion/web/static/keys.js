// Keyboard shortcuts for the queue and the case page. Ignored while typing in a field.
// Rows are looked up on every key press: htmx replaces them when the queue refreshes.
(function () {
  function typing(event) {
    const tag = (event.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
  }
  function move(step) {
    const rows = Array.from(document.querySelectorAll("tr.row"));
    if (!rows.length) return;
    const at = rows.indexOf(document.activeElement);
    rows[at < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, at + step))].focus();
  }
  function toggleMedia() {
    const media = document.getElementById("media");
    if (media) media.classList.toggle("revealed");
  }
  // Every 30 seconds the queue refreshes, unless the focus is in it. Here, not in an hx-trigger filter:
  // htmx evaluates filters as strings, which the Content-Security-Policy forbids.
  setInterval(function () {
    const rows = document.getElementById("queue-rows");
    const focus = document.activeElement;
    if (rows && window.htmx && !(focus && focus.closest("#queue-rows"))) window.htmx.trigger(rows, "refresh");
  }, 30000);
  document.addEventListener("click", function (event) {
    if (event.target.closest("#reveal")) toggleMedia();
  });
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (document.getElementById("queue-rows")) {
      if (key === "j") { move(1); event.preventDefault(); }
      if (key === "k") { move(-1); event.preventDefault(); }
      // Only a focused row opens a case: Enter on a button or link keeps its own meaning.
      if (key === "Enter" && event.target.matches("tr.row")) { window.location = "/cases/" + event.target.dataset.case; }
      return;
    }
    if (key === "q") { window.location = "/queue"; return; }
    if (key === "v") { toggleMedia(); return; }
    if (key === "c") { const claim = document.getElementById("claim"); if (claim) claim.click(); return; }
    const button = document.querySelector('#decide-form button[data-key="' + key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });
})();
