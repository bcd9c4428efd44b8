/* What the pages do in the browser, small on purpose: tabs that load with htmx, charts from the data a page embeds,
   and a confirmation before an action that cannot be undone. Every page works without it. */
(function () {
  "use strict";

  // Tabs: mark the one clicked as selected (htmx loads its panel).
  document.addEventListener("click", function (event) {
    var tab = event.target.closest('[role="tab"]');
    if (!tab) return;
    tab.parentElement.querySelectorAll('[role="tab"]').forEach(function (other) {
      other.setAttribute("aria-selected", other === tab ? "true" : "false");
    });
  });

  // A form whose button says data-confirm asks first.
  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    var text = button && button.getAttribute("data-confirm");
    if (text && !window.confirm(text)) event.preventDefault();
  });

  // Charts: <canvas data-chart="id-of-a-json-script"> drawn with Chart.js when it is on the page.
  function drawCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      var won = function (value) { return "₩" + Number(value).toLocaleString("ko-KR"); };
      spec.options = spec.options || {};
      spec.options.maintainAspectRatio = false;
      spec.options.animation = false;
      if (spec.money) {
        spec.options.plugins = spec.options.plugins || {};
        spec.options.plugins.tooltip = { callbacks: { label: function (c) { return c.dataset.label + ": " + won(c.parsed.y !== undefined ? c.parsed.y : c.parsed); } } };
        if (spec.type !== "doughnut" && spec.type !== "pie") {
          spec.options.scales = { y: { ticks: { callback: won } } };
        }
      }
      new window.Chart(canvas, spec);
      canvas.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
})();
