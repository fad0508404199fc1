// Progressive enhancement of the comment page's tag form: selecting text in
// an answer, the general comment or an attachment's text fills the excerpt
// (field and character range, counted in code points as the server counts
// them); "t" focuses the tag picker, Escape clears the excerpt. Without
// JavaScript the form works as it is.
(function () {
  var form = document.getElementById("tag-form");
  if (!form) return;
  var field = document.getElementById("excerpt-field");
  var start = document.getElementById("excerpt-start");
  var end = document.getElementById("excerpt-end");
  var quote = document.getElementById("excerpt-quote");
  var pick = document.getElementById("tag-pick");

  function codePoints(text) { return Array.from(text).length; }

  function clear() {
    field.value = ""; start.value = ""; end.value = ""; quote.textContent = "";
  }

  document.addEventListener("selectionchange", function () {
    var sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    var range = sel.getRangeAt(0);
    var holder = range.commonAncestorContainer;
    if (holder.nodeType !== 1) holder = holder.parentElement;
    var box = holder && holder.closest("[data-field]");
    if (!box) return;
    var before = document.createRange();
    before.selectNodeContents(box);
    before.setEnd(range.startContainer, range.startOffset);
    var from = codePoints(before.toString());
    var text = range.toString();
    field.value = box.getAttribute("data-field");
    start.value = String(from);
    end.value = String(from + codePoints(text));
    quote.textContent = "Excerpt: \u201c" + (text.length > 200 ? text.slice(0, 200) + "\u2026" : text) + "\u201d";
  });

  document.addEventListener("keydown", function (e) {
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test((e.target && e.target.tagName) || "");
    if (e.key === "t" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      pick.focus();
    } else if (e.key === "Escape") {
      clear();
    }
  });
})();
