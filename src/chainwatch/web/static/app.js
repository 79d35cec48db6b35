// chainwatch dashboard scripts (served from here only: the CSP allows no inline script).
(function () {
  "use strict";

  // upload progress bar: polls the job's JSON
  var box = document.getElementById("job");
  if (box) {
    var jobId = box.getAttribute("data-job");
    var bar = document.getElementById("progress");
    var poll = function () {
      fetch("/api/v1/jobs/" + encodeURIComponent(jobId), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.max = job.total || 1;
          bar.value = job.done;
          document.getElementById("job-status").textContent = job.status;
          document.getElementById("job-done").textContent = job.done;
          document.getElementById("job-message").textContent = job.message || "";
          if (job.status === "done" || job.status === "failed") {
            if (!box.hasAttribute("data-final")) { window.location.reload(); }
            return;
          }
          setTimeout(poll, 500);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    var status = document.getElementById("job-status").textContent;
    if (status === "done" || status === "failed") { box.setAttribute("data-final", "1"); }
    else { poll(); }
  }

  // the queue: select every case of the page
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input.pick").forEach(function (c) { c.checked = all.checked; });
    });
  }

  // the case page: keyboard shortcuts for the decisions
  var form = document.getElementById("decide");
  if (form) {
    var reason = document.getElementById("reason");
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT");
      if (event.key === "Escape" && typing) { target.blur(); return; }
      if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "r") { event.preventDefault(); reason.focus(); return; }
      if (event.key === "q") { var back = document.getElementById("back-to-queue"); if (back) { back.click(); } return; }
      var button = form.querySelector('button[data-key="' + event.key + '"]');
      if (!button) { return; }
      event.preventDefault();
      if (!reason.value.trim()) { reason.focus(); reason.setAttribute("placeholder", "a reason first, then " + event.key); return; }
      if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
    });
  }
})();
