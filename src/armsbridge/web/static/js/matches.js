/* Match review shortcuts (progressive enhancement: every decision is also a plain form).
   j / k: next / previous suggestion; c: same; r: not the same; u: unsure; z: undo (the
   focused suggestion's, else the last decision's). Keys typed into a field are left alone. */
document.addEventListener("DOMContentLoaded", function () {
  var items = Array.prototype.slice.call(document.querySelectorAll(".suggestion"));
  function current() {
    var el = document.activeElement;
    return el && el.closest ? el.closest(".suggestion") : null;
  }
  function focusAt(index) {
    if (!items.length) { return; }
    var item = items[Math.max(0, Math.min(items.length - 1, index))];
    item.focus();
    item.scrollIntoView({block: "nearest"});
  }
  items.forEach(function (item) {
    item.addEventListener("focus", function () {
      items.forEach(function (other) { other.classList.remove("focused"); });
      item.classList.add("focused");
    });
  });
  if (items.length && (!document.activeElement || document.activeElement === document.body)) {
    items[0].focus({preventScroll: true});
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    var key = event.key;
    var here = current();
    if (key === "j" || key === "k") {
      var index = here ? items.indexOf(here) : -1;
      focusAt(key === "j" ? index + 1 : (index < 0 ? 0 : index - 1));
      event.preventDefault();
      return;
    }
    if ("cruz".indexOf(key) < 0 || key.length !== 1) { return; }
    var button = here ? here.querySelector('button[data-key="' + key + '"]') : null;
    if (!button && key === "z") { button = document.getElementById("undo-last"); }
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
});
