// Autosave: each choice is posted as soon as it is made; the server's reply is the acknowledgement.
(function () {
  var form = document.getElementById("paper");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-save-url");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "radio") return;
    var box = input.closest("fieldset");
    var mark = box.querySelector(".saved");
    var body = new FormData();
    body.append("question", box.getAttribute("data-question"));
    body.append("choice", input.value);
    mark.textContent = "…";
    fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { mark.textContent = data.saved ? "✓" : "!"; box.classList.toggle("unsaved", !data.saved); })
      .catch(function () { mark.textContent = "!"; box.classList.add("unsaved"); });
  });
})();
