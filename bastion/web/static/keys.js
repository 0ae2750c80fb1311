// Keyboard shortcuts for the queue and the case page. Ignored while typing in a field.
(function () {
  function typing(event) {
    const tag = (event.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
  }
  const rows = Array.from(document.querySelectorAll("tr.row"));
  let current = rows.length ? 0 : -1;
  function focusRow(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].focus();
  }
  rows.forEach(function (row, index) {
    row.addEventListener("focus", function () { current = index; });
  });
  const reveal = document.getElementById("reveal");
  if (reveal) {
    reveal.addEventListener("click", function () {
      document.getElementById("media").classList.toggle("revealed");
    });
  }
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (rows.length) {
      if (key === "j") { focusRow(current + 1); event.preventDefault(); }
      if (key === "k") { focusRow(current - 1); event.preventDefault(); }
      if (key === "Enter" && current >= 0) { window.location = "/cases/" + rows[current].dataset.case; }
      return;
    }
    if (key === "q") { window.location = "/queue"; return; }
    if (key === "v" && reveal) { reveal.click(); return; }
    if (key === "c") { const claim = document.getElementById("claim"); if (claim) claim.click(); return; }
    const button = document.querySelector('#decide-form button[data-key="' + key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });
})();
