// Honest watch tracking: report only the parts of the timeline actually played.
// A jump (seek) closes the current interval; the server merges intervals over all sessions and
// checks them against its own clock, so skipping ahead never counts.
(function () {
  var video = document.getElementById("player");
  if (!video || !window.fetch) return;
  var url = video.getAttribute("data-report-url");
  var viewing = video.getAttribute("data-viewing");
  var resume = parseFloat(video.getAttribute("data-resume")) || 0;
  // No CSRF token: the viewing token is the per-page secret (the view is csrf_exempt, as
  // sendBeacon cannot send headers), and the CSRF cookie is HttpOnly.
  var label = document.getElementById("watched");
  var pending = [];
  var current = null;
  var last = null;

  function close() {
    if (current && current[1] > current[0]) pending.push(current);
    current = null;
  }
  video.addEventListener("loadedmetadata", function () {
    if (resume > 0 && resume < video.duration - 2) video.currentTime = resume;
  });
  var lastWall = null;
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime;
    var wall = performance.now() / 1000;
    if (video.paused || video.seeking) { last = t; lastWall = wall; return; }
    // Count a step only if the media clock moved forward no faster than the wall clock allows
    // at the playback rate; anything else is a seek, whatever events the browser fired.
    var step = last === null ? -1 : t - last;
    var allowed = (wall - lastWall) * Math.max(1, video.playbackRate) * 1.5 + 0.3;
    if (step >= 0 && step <= allowed) {
      if (!current) current = [last, t]; else current[1] = t;
    } else {
      close();
    }
    last = t;
    lastWall = wall;
  });
  video.addEventListener("seeking", function () { close(); last = null; });
  video.addEventListener("pause", function () { close(); send(false); });
  video.addEventListener("ended", function () { close(); send(false); });

  function send(beacon) {
    close();
    if (!pending.length) return;
    var batch = pending;
    pending = [];
    var body = JSON.stringify({ viewing: viewing, intervals: batch, position: video.currentTime });
    if (beacon && navigator.sendBeacon) {
      navigator.sendBeacon(url, new Blob([body], { type: "application/json" }));
      return;
    }
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "Content-Type": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.ok && label) label.textContent = label.textContent.replace(/\d+%/, data.watched_percent + "%");
        if (!data.ok) pending = []; // refused reports are dropped, never retried as they were
      })
      .catch(function () { pending = batch.concat(pending); }); // offline: try again next time
  }
  setInterval(function () { if (!video.paused) { var keep = current; close(); send(false); if (keep) current = [keep[1], keep[1]]; } }, 10000);
  window.addEventListener("pagehide", function () { send(true); });
})();
