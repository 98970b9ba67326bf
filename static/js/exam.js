// Autosave: each answer is posted as soon as it is given; the server's reply is the
// acknowledgement. Practice mode shows right or wrong at once. A countdown shows the time left;
// the server enforces the deadline whatever this clock says.
(function () {
  var form = document.getElementById("paper");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-save-url");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var timers = {};

  function save(box) {
    var question = box.getAttribute("data-question");
    var type = box.getAttribute("data-type");
    var mark = box.querySelector(".saved");
    var body = new FormData();
    body.append("question", question);
    var inputs = box.querySelectorAll("input, textarea");
    if (type === "multiple") {
      body.append("multi", "1");
      inputs.forEach(function (i) { if (i.type === "checkbox" && i.checked) body.append("response", i.value); });
    } else if (type === "single" || type === "true_false") {
      inputs.forEach(function (i) { if (i.type === "radio" && i.checked) body.append("response", i.value); });
    } else {
      inputs.forEach(function (i) { if (i.name === "q" + question) body.append("response", i.value); });
    }
    mark.textContent = "…";
    fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        mark.textContent = data.saved ? "✓" : "!";
        box.classList.toggle("unsaved", !data.saved);
        if (!data.saved && data.error) mark.textContent = "! " + data.error;
        var fb = box.querySelector(".feedback");
        if (data.feedback && fb) {
          fb.textContent = (data.feedback.correct ? "✓ " : "✗ ") + (data.feedback.explanation || "");
          fb.className = "feedback " + (data.feedback.correct ? "ok" : "error");
        }
      })
      .catch(function () { mark.textContent = "!"; box.classList.add("unsaved"); });
  }
  form.addEventListener("change", function (event) {
    var box = event.target.closest("fieldset.question");
    if (box) save(box);
  });
  form.addEventListener("input", function (event) {
    var box = event.target.closest("fieldset.question");
    if (!box || (event.target.type !== "text" && event.target.tagName !== "TEXTAREA")) return;
    var key = box.getAttribute("data-question");
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () { save(box); }, 800);
  });
  // The questions not answered yet (未作答), named with links before the hand-in button: the page
  // lists those the server knows of; the ones on this page follow what is typed or ticked.
  var missingBox = document.getElementById("unanswered");
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  function answered(box) {
    return Array.prototype.some.call(box.querySelectorAll("input, textarea"), function (i) {
      if (i.type === "checkbox" || i.type === "radio") return i.checked;
      if (i.type === "hidden") return false;
      return i.value.trim() !== "";
    });
  }
  function unanswered() {
    if (!missingBox) return [];
    var numbers = [];
    missingBox.querySelectorAll("a[data-question]").forEach(function (link) {
      var box = form.querySelector('fieldset.question[data-question="' + link.getAttribute("data-question") + '"]');
      if (box) link.hidden = answered(box);
      if (!link.hidden) numbers.push(link.getAttribute("data-number"));
    });
    missingBox.hidden = numbers.length === 0;
    missingBox.querySelector(".label").textContent =
      missingBox.getAttribute("data-label").replace("{n}", numbers.length);
    return numbers;
  }
  form.addEventListener("change", unanswered);
  form.addEventListener("input", unanswered);
  unanswered();
  form.addEventListener("submit", function (event) {
    var button = form.querySelector("button[data-confirm]");
    if (!button) return;
    var numbers = unanswered();
    var question = numbers.length
      ? button.getAttribute("data-confirm-unanswered").replace("{n}", numbers.length).replace("{numbers}", numbers.join(zh ? "、" : ", "))
      : button.getAttribute("data-confirm");
    if (!window.confirm(question)) event.preventDefault();
  });
  var timer = document.getElementById("timer");
  if (timer) {
    var left = parseInt(timer.getAttribute("data-seconds"), 10);
    var out = timer.querySelector("strong");
    var tick = function () {
      var m = Math.floor(left / 60), s = left % 60;
      out.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left <= 0) { form.submit(); return; }
      left -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
