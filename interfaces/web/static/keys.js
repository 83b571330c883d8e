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
// A link to one action of a case (/cases/N#act-decide_extension, from 待审批的延期申请): that form opens with its
// first field focused, so the keyboard user goes on typing instead of looking for the folded form.
function openTargetAction() {
  var box = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (!box || box.tagName !== "DETAILS") return;
  box.open = true;
  var first = box.querySelector("form input:not([type=hidden]):not([disabled]), form select, form textarea, form button");
  if (first) first.focus();
}
// After the load: the browser's own scroll to the fragment would take the focus away again.
window.addEventListener("load", function () { setTimeout(openTargetAction, 0); });
window.addEventListener("hashchange", openTargetAction);
