// Polls a background job until it is done or failed, keeping the page's status, count and progress
// in step with it, then shows the download link.
(function () {
  var box = document.getElementById("job");
  if (!box || !window.fetch) return;
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        box.querySelector("progress").value = job.percent;
        box.querySelector("#job-count").textContent = job.done + " / " + job.total;
        box.querySelector("#job-status").textContent = job.status_label;
        if (job.status === "done") {
          var download = box.querySelector("#job-download");
          if (job.download) download.querySelector("a").href = job.download;
          download.hidden = !job.download;
          return;
        }
        if (job.status === "failed") {
          var error = box.querySelector("#job-error");
          error.textContent = job.error;
          error.hidden = !job.error;
          return;
        }
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
