/* Small progressive enhancements; every page works without them. */
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var boxes = document.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]');
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
  });
  if (window.Chart) {
    document.querySelectorAll("canvas.bar-chart[data-series]").forEach(function (el) {
      var data = JSON.parse(el.dataset.series);
      new window.Chart(el, {
        type: "bar",
        data: {
          labels: data.map(function (d) { return d[0]; }),
          datasets: [{label: el.dataset.label || "", data: data.map(function (d) { return d[1]; }),
                      backgroundColor: "#2f6db5"}]
        },
        options: {plugins: {legend: {display: false}}, animation: false}
      });
    });
  }
  /* Match review shortcuts on pages listing `.suggestion` items (every decision is also a plain
     form): j / k next / previous; c same; r not the same; u unsure; z undo (the focused
     suggestion's, else the last decision's, #undo-last). Keys typed into a field are left alone. */
  if (document.querySelector(".suggestion")) { reviewKeys(); }
  searchKey();
  /* A list's filters fold away on a narrow screen unless some are in use; the summary opens
     them. Without the script they stay open. */
  if (window.matchMedia && window.matchMedia("(max-width: 40rem)").matches) {
    document.querySelectorAll("details[data-collapse-narrow]:not([data-active])").forEach(
      function (el) { el.open = false; });
  }
});

/* "/" focuses the page's search box (the page's own, else the top bar's), unless a field has
   the keys or a modifier is held. */
function searchKey() {
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var el = document.activeElement;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) { return; }
    var box = document.querySelector("main input[type=search]") || document.getElementById("quick-q");
    if (!box) { return; }
    event.preventDefault();
    box.focus();
    box.select();
  });
}

function reviewKeys() {
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
}
