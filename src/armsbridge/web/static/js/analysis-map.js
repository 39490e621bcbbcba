/* Maps (Leaflet) and trend charts (Chart.js) of the analysis pages. Data comes from the
   data-json attribute of hidden elements (escaped by the template; no inline script, which the
   CSP forbids); the base layer is the node's own boundaries file, never a tile server. */
(function () {
  "use strict";
  var COLOURS = { seizure: "#c0392b", event: "#e67e22", crossing: "#1f5fa8", place: "#5b6b7a" };

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.getAttribute("data-json") || "null") : null;
  }

  function text(tag, value) {
    var el = document.createElement(tag);
    el.textContent = value;
    return el;
  }

  function baseLayer(map, url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          interactive: false,
          style: function (f) {
            var p = f.properties, home = p.country === "XK" || p.country === "MK";
            if (p.layer === "country") {
              return { color: "#333", weight: home ? 2 : 1, fillColor: home ? "#f4f1e8" : "#dde3e8", fillOpacity: 1 };
            }
            // Regions group municipalities (North Macedonia's eight): drawn a little heavier.
            return { color: "#8a8f94", weight: p.layer === "region" ? 1.4 : 0.6, fill: false };
          }
        }).addTo(map);
        map.getContainer().setAttribute("data-base-layer", String(data.features.length));
        return layer;
      });
  }

  function popup(p, labels) {
    var box = document.createElement("div");
    box.appendChild(text("strong", p.label || ""));
    var line = [labels["layer" + p.layer] || p.layer];
    if (p.date) { line.push(p.date + (p.time ? " " + p.time : "")); }
    if (p.j) { line.push(p.j); }
    box.appendChild(text("div", line.join(" · ")));
    if (p.code) { box.appendChild(text("div", labels.code + ": " + p.code)); }
    if (p.url) {
      var a = text("a", labels.open);
      a.href = p.url;
      box.appendChild(a);
    } else {
      box.appendChild(text("div", labels.reference));
    }
    return box;
  }

  function pointMap(el, map) {
    var points = readJson(el.getAttribute("data-points")) || [];
    var ds = el.dataset;
    var labels = { open: ds.open, code: ds.code, reference: ds.reference };
    Object.keys(COLOURS).forEach(function (k) { labels["layer" + k] = ds["layer" + k[0].toUpperCase() + k.slice(1)]; });
    var shown = 0, order = { place: 0, crossing: 1, event: 2, seizure: 3 };
    points.sort(function (a, b) { return (order[a.layer] || 0) - (order[b.layer] || 0); });
    points.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {
        radius: p.layer === "crossing" ? 7 : 5, color: "#fff", weight: 1,
        fillColor: COLOURS[p.layer] || "#333", fillOpacity: 0.9, className: "marker-" + p.layer
      }).bindPopup(function () { return popup(p, labels); }).addTo(map);
      shown += 1;
    });
    el.setAttribute("data-markers", String(shown));
  }

  function cellMap(el, map) {
    var cells = readJson(el.getAttribute("data-cells"));
    if (!cells) { return; }
    var ds = el.dataset;
    L.geoJSON(cells, {
      style: function (f) {
        var strong = f.properties.rank <= 20;
        return { color: "#7b1e12", weight: 0.5, fillColor: strong ? "#c0392b" : "#f39c12", fillOpacity: 0.7 };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(ds.cell + " " + p.cell + " · " + ds.rank + " " + p.rank + " · " + ds.events + ": " + p.events);
      }
    }).addTo(map);
    el.setAttribute("data-markers", String(cells.features.length));
  }

  function setUpMap(el) {
    var map = L.map(el, { preferCanvas: true, attributionControl: false, minZoom: 6, maxZoom: 16 });
    map.fitBounds([[40.85, 20.0], [43.3, 23.05]]);
    baseLayer(map, el.getAttribute("data-boundaries")).then(function () {
      if (el.hasAttribute("data-points")) { pointMap(el, map); }
      if (el.hasAttribute("data-cells")) { cellMap(el, map); }
      el.setAttribute("data-ready", "1");
    });
  }

  function setUpChart(canvas) {
    var data = readJson(canvas.getAttribute("data-chart"));
    if (!data || typeof Chart === "undefined") { return; }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.months,
        datasets: [
          { label: canvas.dataset.count, data: data.counts, borderColor: "#1f5fa8", backgroundColor: "#1f5fa8", tension: 0.1 },
          { label: canvas.dataset.baseline, data: data.baseline, borderColor: "#999", borderDash: [4, 4], pointRadius: 0, spanGaps: true }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } }
    });
    canvas.setAttribute("data-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (el && typeof L !== "undefined") { setUpMap(el); }
    var canvas = document.getElementById("trend-chart");
    if (canvas) { setUpChart(canvas); }
  });
})();
