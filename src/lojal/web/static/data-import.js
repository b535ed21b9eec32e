/* The admin "Data > Import" page: upload the CSV with XMLHttpRequest (its upload events fill the
   upload bar), then poll the import job's progress (JSON) into the import bar, then open the job's
   page, which shows the report. Without JavaScript the form posts and the job's page refreshes
   itself; this script only makes the same thing visible as it happens. */
(function () {
  "use strict";
  var POLL_MS = 500;

  function setBar(bar, percent) {
    if (!bar) return;
    var value = Math.max(0, Math.min(100, Math.round(percent)));
    bar.value = value;
    bar.textContent = value + " %";
  }

  function poll(progressUrl, importBar, status, rowsLabel, onFinished) {
    var request = new XMLHttpRequest();
    request.open("GET", progressUrl);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      var progress = null;
      try { progress = JSON.parse(request.responseText); } catch (error) { progress = null; }
      if (request.status !== 200 || !progress) {
        setTimeout(function () { poll(progressUrl, importBar, status, rowsLabel, onFinished); }, POLL_MS * 4);
        return;
      }
      setBar(importBar, progress.percent);
      if (status && rowsLabel) status.textContent = rowsLabel.replace("{rows}", progress.rows.toLocaleString());
      if (progress.state === "done" || progress.state === "failed") {
        onFinished(progress);
      } else {
        setTimeout(function () { poll(progressUrl, importBar, status, rowsLabel, onFinished); }, POLL_MS);
      }
    };
    request.onerror = function () {
      setTimeout(function () { poll(progressUrl, importBar, status, rowsLabel, onFinished); }, POLL_MS * 4);
    };
    request.send();
  }

  function showErrors(box, messages) {
    box.textContent = "";
    var list = document.createElement("ul");
    messages.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      list.appendChild(item);
    });
    box.appendChild(list);
    box.hidden = false;
  }

  function openReport(url) {
    setTimeout(function () { window.location.assign(url); }, 300);
  }

  var form = document.getElementById("import-form");
  var bars = document.getElementById("import-bars");
  if (form && bars && window.FormData && window.XMLHttpRequest) {
    var button = document.getElementById("import-button");
    var uploadBar = document.getElementById("upload-bar");
    var importBar = document.getElementById("import-bar");
    var status = document.getElementById("import-status");
    var errors = document.getElementById("import-errors");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var request = new XMLHttpRequest();
      button.disabled = true;
      bars.hidden = false;
      errors.hidden = true;
      setBar(uploadBar, 0);
      setBar(importBar, 0);
      form.setAttribute("aria-busy", "true");
      request.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable) setBar(uploadBar, 100 * progress.loaded / progress.total);
      });
      request.upload.addEventListener("load", function () { setBar(uploadBar, 100); });
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
        if (request.status === 202 && answer) {
          setBar(uploadBar, 100);
          poll(answer.progress, importBar, status, bars.getAttribute("data-rows-label"), function () {
            setBar(importBar, 100);
            openReport(answer.page);
          });
          return;
        }
        button.disabled = false;
        form.removeAttribute("aria-busy");
        var messages = answer && answer.errors ? Object.keys(answer.errors).map(function (name) { return answer.errors[name]; })
                                               : [bars.getAttribute("data-failed-label")];
        showErrors(errors, messages);
      };
      request.onerror = function () {
        button.disabled = false;
        form.removeAttribute("aria-busy");
        showErrors(errors, [bars.getAttribute("data-failed-label")]);
      };
      request.send(data);
    });
  }

  var job = document.getElementById("import-job");
  if (job && (job.getAttribute("data-state") === "queued" || job.getAttribute("data-state") === "running")) {
    poll(job.getAttribute("data-progress-url"), document.getElementById("import-bar"),
         null, null, function () { setBar(document.getElementById("import-bar"), 100); openReport(job.getAttribute("data-page-url")); });
  }
})();
