// Progressive enhancement: show deadlines in the visitor's own time zone as
// well. Without JavaScript the page already shows Eastern time and UTC.
document.querySelectorAll("time[data-local]").forEach(function (el) {
  var at = new Date(el.getAttribute("datetime"));
  if (isNaN(at)) return;
  el.textContent = at.toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" }) + " your time";
});
