// Polls a background job until it is done, then shows the download link.
(function () {
  var box = document.getElementById("job");
  if (!box || !window.fetch) return;
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        box.querySelector("progress").value = job.percent;
        box.querySelector("#job-count").textContent = job.done + " / " + job.total;
        if (job.status === "done") { box.querySelector("#job-download").hidden = !job.download; return; }
        if (job.status !== "failed") setTimeout(poll, 1500);
      });
  }
  poll();
})();
