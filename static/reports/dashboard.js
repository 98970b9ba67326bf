// Draws the dashboard's charts from the JSON the page carries (json_script), with Chart.js served
// from our own static files. The library (~210 kB) is fetched only when a chart first scrolls into
// view; without JavaScript, or before it loads, the tables under each chart carry every number.
(function () {
  var dataNode = document.getElementById("report-charts");
  var self = document.getElementById("dashboard-js");
  var canvases = document.querySelectorAll("canvas[data-chart]");
  if (!dataNode || !self || !canvases.length) return;
  var charts = JSON.parse(dataNode.textContent);
  document.documentElement.classList.add("js-charts"); // chart boxes take room only now
  var colours = ["#1f6feb", "#d97706", "#16a34a", "#b3261e", "#7c3aed"];
  var loading = null;

  function loadLibrary() {
    if (window.Chart) return Promise.resolve(window.Chart);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = self.getAttribute("data-chartjs");
        script.onload = function () { resolve(window.Chart); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function draw(canvas) {
    var spec = charts[canvas.getAttribute("data-chart")];
    if (!spec) { canvas.parentNode.hidden = true; return; }
    loadLibrary().then(function (Chart) {
      var horizontal = !!spec.horizontal;
      var valueAxis = { beginAtZero: true };
      if (spec.percent) { valueAxis.max = 100; valueAxis.ticks = { callback: function (v) { return v + "%"; } }; }
      var scales = horizontal ? { x: valueAxis } : { y: valueAxis };
      new Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (d, i) {
            var colour = colours[i % colours.length];
            return { label: d.label, data: d.data, backgroundColor: colour, borderColor: colour, tension: 0.2 };
          })
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          maintainAspectRatio: false,
          animation: false,
          scales: scales,
          plugins: { legend: { position: "bottom" } }
        }
      });
    }).catch(function () { canvas.parentNode.hidden = true; });
  }

  if (!("IntersectionObserver" in window)) {
    Array.prototype.forEach.call(canvases, draw);
    return;
  }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
    });
  }, { rootMargin: "200px" });
  Array.prototype.forEach.call(canvases, function (c) { observer.observe(c); });
})();
