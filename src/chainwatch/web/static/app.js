// chainwatch dashboard: the only script is the upload progress bar (polls the job's JSON).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var jobId = box.getAttribute("data-job");
  var bar = document.getElementById("progress");
  function poll() {
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
  }
  var status = document.getElementById("job-status").textContent;
  if (status === "done" || status === "failed") { box.setAttribute("data-final", "1"); return; }
  poll();
})();
