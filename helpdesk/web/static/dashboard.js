// Draws the dashboard chart from the JSON block the server rendered. The table below the
// chart holds the same figures; values hidden there ("< 5") are gaps here.
(function () {
  "use strict";
  var data = document.getElementById("chart-data");
  var canvas = document.getElementById("chart");
  if (!data || !canvas || typeof Chart === "undefined") { return; }
  var spec = JSON.parse(data.textContent || "{}");
  if (!spec.labels || spec.labels.length === 0) { canvas.parentNode.hidden = true; return; }
  var palette = ["#005a9c", "#d35400", "#1e8449", "#7d3c98", "#b03a2e", "#117a65", "#566573", "#b7950b"];
  var datasets = spec.datasets.map(function (set, i) {
    return {
      label: set.label,
      data: set.data,
      spanGaps: false,
      borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length],
    };
  });
  var scales = {
    x: { stacked: !!spec.stacked },
    y: { stacked: !!spec.stacked, beginAtZero: true },
  };
  if (spec.percent) { scales.y.max = 100; scales.y.ticks = { callback: function (v) { return v + " %"; } }; }
  new Chart(canvas, {
    type: spec.type,
    data: { labels: spec.labels, datasets: datasets },
    options: {
      indexAxis: spec.horizontal ? "y" : "x",
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: scales,
      plugins: { legend: { position: "bottom" } },
    },
  });
  canvas.setAttribute("data-drawn", "true");
})();
