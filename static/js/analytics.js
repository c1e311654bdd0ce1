/* Draws the analytics charts (Chart.js, vendored) from the page's JSON: one <canvas data-chart="..."> per chart. */
(function () {
  "use strict";
  function numbers(values) { return (values || []).map(Number); }
  function draw() {
    var source = document.getElementById("analytics-chart-data");
    if (!source || typeof Chart === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var l = d.labels || {};
    var line = function (label, data, colour) {
      return { label: label, data: numbers(data), borderColor: colour, backgroundColor: colour, tension: 0.25, pointRadius: 0 };
    };
    var bar = function (label, data, colour) { return { label: label, data: numbers(data), backgroundColor: colour }; };
    var charts = {
      revenue: { type: "bar", data: { labels: d.days, datasets: [bar(l.loyalty_revenue, d.loyalty_revenue, "#2563eb"), bar(l.other_revenue, d.other_revenue, "#cbd5e1")] }, options: { scales: { x: { stacked: true }, y: { stacked: true } } } },
      guests: { type: "line", data: { labels: d.days, datasets: [line(l.new_guests, d.new_guests, "#16a34a"), line(l.visits, d.visits, "#9333ea")] } },
      points: { type: "line", data: { labels: d.days, datasets: [line(l.points_issued, d.points_issued, "#2563eb"), line(l.points_redeemed, d.points_redeemed, "#f59e0b"), line(l.points_expired, d.points_expired, "#dc2626")] } },
      liability: { type: "line", data: { labels: d.days, datasets: [line(l.liability, d.liability, "#0f766e")] } },
      restaurants: { type: "bar", data: { labels: d.restaurants, datasets: [bar(l.loyalty_revenue, d.restaurant_revenue, "#2563eb"), bar(l.other_revenue, d.restaurant_other_revenue, "#cbd5e1")] } },
      levels: { type: "doughnut", data: { labels: d.levels, datasets: [{ label: l.guests, data: numbers(d.level_guests) }] } },
      segments: { type: "bar", data: { labels: d.segments, datasets: [bar(l.guests, d.segment_guests, "#7c3aed")] }, options: { indexAxis: "y" } }
    };
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var config = charts[canvas.dataset.chart];
      if (!config || Chart.getChart(canvas)) { return; }
      config.options = Object.assign({ responsive: true, maintainAspectRatio: true, animation: false }, config.options || {});
      new Chart(canvas, config);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
