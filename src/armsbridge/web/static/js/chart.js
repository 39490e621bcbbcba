/* The link chart (analysis/templates/chart.html): Cytoscape.js drawing the server's chart.
   The server decides what is shown (restrict(), filters, aggregation past max-nodes) and logs
   every read; this script keeps the list of expanded records, pins, the timeline and paths. */
(function () {
  "use strict";
  var app = document.getElementById("chart-app");
  if (!app || !window.cytoscape) { return; }
  var t = app.dataset;
  var expanded = [t.start];
  var keep = [];
  var picked = [];
  var pinned = {};
  var dates = [];
  var COLOURS = {person: "#2f6db5", firearm: "#b5352f", vehicle: "#6b8e23", phone: "#8a4fb5",
                 case: "#444", event: "#d08a00", place: "#1a8a8a", organisation: "#a0522d"};
  var cy = window.cytoscape({
    container: document.getElementById("chart"),
    wheelSensitivity: 0.3,
    style: [
      {selector: "node", style: {"label": "data(label)", "font-size": 10, "width": 18, "height": 18,
        "background-color": "data(colour)", "text-wrap": "ellipsis", "text-max-width": 90}},
      {selector: "node[?received]", style: {"border-width": 3, "border-color": "#d08a00"}},
      {selector: "node[?bridge]", style: {"shape": "diamond", "width": 24, "height": 24}},
      {selector: "node[?group]", style: {"shape": "round-rectangle", "width": 34, "height": 34}},
      {selector: "node.parent", style: {"background-opacity": 0.08, "label": "data(label)",
        "text-valign": "top", "border-width": 1, "border-color": "#999"}},
      {selector: "node:locked", style: {"border-width": 3, "border-color": "#000"}},
      {selector: "node.on-path, edge.on-path", style: {"background-color": "#e0115f",
        "line-color": "#e0115f", "width": 4}},
      {selector: "node.picked", style: {"overlay-opacity": 0.25, "overlay-color": "#e0115f"}},
      {selector: "edge", style: {"width": 1.5, "line-color": "#9aa", "curve-style": "bezier",
        "label": "data(label)", "font-size": 8, "color": "#555"}},
      {selector: "edge[?received]", style: {"line-style": "dashed", "line-color": "#d08a00"}},
      {selector: ".late", style: {"display": "none"}}
    ]
  });

  function params(extra) {
    var q = new URLSearchParams();
    expanded.forEach(function (id) { q.append("expanded", id); });
    keep.forEach(function (id) { q.append("keep", id); });
    q.set("why", t.why || "");
    var form = document.getElementById("chart-filters");
    new FormData(form).forEach(function (v, k) { if (v) { q.append(k, v); } });
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    return q;
  }

  function show(message) { document.getElementById("chart-status").textContent = message; }

  function fetchJson(url) {
    return fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body.error || r.status); }
          return body;
        });
      });
  }

  function marking(m) {
    var el = document.getElementById("chart-marking");
    var text = m.handling_code;
    if (m.providers.length) { text += " · " + t.tReceived + " " + m.providers.join(", "); }
    if (m.restrictions.length) { text += " · " + m.restrictions.join(" · "); }
    el.className = "marking marking-" + m.handling_code.toLowerCase();
    el.textContent = text;
    el.hidden = false;
  }

  function load() {
    show("…");
    fetchJson("/analysis/chart/data?" + params()).then(draw).catch(function (e) {
      show(t.tError + " " + e.message);
    });
  }

  function draw(chart) {
    var elements = [];
    var seen = {};
    var grouping = document.getElementById("chart-group").checked;
    chart.nodes.forEach(function (n) {
      var data = Object.assign({}, n, {colour: COLOURS[n.type] || "#777"});
      if (grouping && !n.group) {
        var parent = "c:" + n.community;
        if (!seen[parent]) {
          seen[parent] = true;
          elements.push({data: {id: parent, label: t.tCommunity + " " + (n.community + 1)},
                         classes: "parent"});
        }
        data.parent = parent;
      }
      elements.push({data: data});
    });
    chart.edges.forEach(function (e) { elements.push({data: Object.assign({}, e)}); });
    cy.elements().remove();
    cy.add(elements);
    Object.keys(pinned).forEach(function (id) {
      var node = cy.getElementById(id);
      if (node.nonempty()) { node.position(pinned[id]); node.lock(); }
    });
    var big = chart.nodes.length > 300;
    cy.layout({name: big ? "concentric" : "cose", animate: false, fit: true,
               randomize: false, nodeDimensionsIncludeLabels: false}).run();
    marking(chart.marking);
    var agg = document.getElementById("chart-aggregated");
    agg.hidden = !chart.aggregated;
    agg.textContent = chart.aggregated ? t.tAggregated : "";
    show(chart.records + " " + t.tRecords + " · " + chart.edges.length + " " + t.tLinks);
    dates = chart.edges.map(function (e) { return e.when; }).filter(Boolean).sort();
    var slider = document.getElementById("chart-time");
    slider.max = dates.length;
    slider.value = dates.length;
    timeline();
    exportsAndSave();
  }

  function timeline() {
    var slider = document.getElementById("chart-time");
    var upTo = Number(slider.value) >= dates.length ? null : dates[Number(slider.value)];
    document.getElementById("chart-time-out").textContent = upTo || t.tAll;
    cy.edges().forEach(function (e) {
      var when = e.data("when");
      e.toggleClass("late", Boolean(upTo && when && when > upTo));
    });
  }

  function select(node) {
    var d = node.data();
    if (d.group) { return; }
    picked = picked.filter(function (id) { return id !== d.id; }).concat([d.id]).slice(-2);
    cy.nodes().removeClass("picked");
    picked.forEach(function (id) { cy.getElementById(id).addClass("picked"); });
    var box = document.getElementById("chart-selected");
    box.textContent = "";
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = d.label;
    title.appendChild(strong);
    var meta = d.jurisdiction + " · " + d.handling_code + (d.received ? " · " + t.tReceived + " " +
      d.provider + " " + (d.grades || "") : "") + (d.bridge ? " · " + t.tBridge : "");
    title.appendChild(document.createTextNode(" " + meta));
    box.appendChild(title);
    var open = document.createElement("a");
    open.href = d.href + "?why=" + encodeURIComponent(t.why || "");
    open.textContent = t.tOpen;
    open.className = "chart-open";
    box.appendChild(open);
    var pin = document.createElement("button");
    pin.type = "button";
    pin.textContent = pinned[d.id] ? t.tUnpin : t.tPin;
    pin.addEventListener("click", function () {
      if (pinned[d.id]) { delete pinned[d.id]; node.unlock(); } else {
        pinned[d.id] = Object.assign({}, node.position()); node.lock();
        if (keep.indexOf(d.id) < 0) { keep.push(d.id); }
      }
      pin.textContent = pinned[d.id] ? t.tUnpin : t.tPin;
    });
    box.appendChild(pin);
    if (expanded.indexOf(d.id) < 0) { expanded.push(d.id); load(); }
  }

  function exportsAndSave() {
    ["graphml", "gexf", "i2"].forEach(function (fmt) {
      document.getElementById("export-" + fmt).href = "/analysis/chart/export/" + fmt + "?" + params();
    });
    var holder = document.getElementById("chart-save-expanded");
    if (!holder) { return; }
    holder.textContent = "";
    expanded.forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "expanded"; input.value = id;
      holder.appendChild(input);
    });
  }

  function path() {
    var out = document.getElementById("chart-path-result");
    if (picked.length < 2) { out.textContent = t.tPick; return; }
    var mode = document.getElementById("chart-mode").value;
    var q = new URLSearchParams({a: picked[0], b: picked[1], mode: mode, why: t.why || ""});
    out.textContent = "…";
    fetchJson("/analysis/chart/path?" + q).then(function (found) {
      if (!found.path.length) { out.textContent = t.tNopath; return; }
      found.path.forEach(function (id) {
        if (expanded.indexOf(id) < 0) { expanded.push(id); }
      });
      var labels = {};
      found.nodes.forEach(function (n) { labels[n.id] = n.label; });
      out.textContent = found.path.map(function (id, i) {
        return labels[id] + (i && found.dates[i - 1] ? " (" + found.dates[i - 1] + ")" : "");
      }).join(" → ");
      out.dataset.path = found.path.join(" ");
      fetchJson("/analysis/chart/data?" + params()).then(function (chart) {
        draw(chart);
        var steps = {};
        found.path.forEach(function (id, i) {
          cy.getElementById(id).addClass("on-path");
          if (i) { steps[found.path[i - 1] + "|" + id] = true; steps[id + "|" + found.path[i - 1]] = true; }
        });
        cy.edges().forEach(function (e) {
          if (steps[e.data("source") + "|" + e.data("target")]) { e.addClass("on-path"); }
        });
      });
    }).catch(function (e) { out.textContent = t.tError + " " + e.message; });
  }

  cy.on("tap", "node", function (evt) { select(evt.target); });
  document.getElementById("chart-filters").addEventListener("submit", function (evt) {
    evt.preventDefault(); load();
  });
  document.getElementById("chart-time").addEventListener("input", timeline);
  document.getElementById("chart-group").addEventListener("change", load);
  document.getElementById("chart-path").addEventListener("click", path);
  window.armsbridgeChart = cy;
  load();
})();
