/* Small progressive enhancements; every page works without them. */
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
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
});
