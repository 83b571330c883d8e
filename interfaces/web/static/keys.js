// Keyboard shortcuts of the desk: "/" focuses the search by number (when not typing); Esc leaves a field.
document.addEventListener("keydown", function (e) {
  var t = e.target;
  var typing = t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName);
  if (e.key === "Escape" && typing) { t.blur(); return; }
  if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
    var box = document.getElementById("find-number");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  }
});
