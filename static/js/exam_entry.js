// Staggered entry (错峰入场) of a scheduled exam: after the click, wait until this person's own
// moment of entry (data-entry-in: seconds after the page arrived, computed by the server from the
// opening time and a hash of the person), then start. The time limit counts from the start, so
// the wait costs nobody exam time. Without script the form starts at once.
(function () {
  var form = document.getElementById("exam-entry");
  if (!form || !window.performance) return;
  var wait = parseFloat(form.getAttribute("data-entry-in")) || 0;
  var entryAt = performance.now() + wait * 1000;
  var state = document.getElementById("entry-state");
  var button = form.querySelector("button[type=submit]");
  var entering = false;

  function enter() {
    var ms = entryAt - performance.now();
    state.hidden = false;
    if (ms > 0) {
      var left = Math.ceil(ms / 1000);
      state.textContent = form.getAttribute("data-entering") + " " + form.getAttribute("data-left").replace("__S__", left);
      setTimeout(enter, Math.min(1000, ms));
      return;
    }
    state.textContent = form.getAttribute("data-entering");
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "start";
    form.appendChild(action);
    form.submit();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (entering) return;
    entering = true;
    button.disabled = true;
    enter();
  });
  // Back from the paper (page cache): the form is usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    entering = false;
    button.disabled = false;
    state.hidden = true;
  });
})();
