// Poll a report's status endpoint and show its progress and downloads.
(function () {
  "use strict";

  var POLL_MILLISECONDS = 1500;
  var FORMAT_LABELS = { csv: "CSV", xlsx: "Excel workbook", pdf: "PDF" };
  var section = document.getElementById("report-progress");
  if (!section) {
    return;
  }
  var statusUrl = section.dataset.statusUrl;
  var stateText = document.getElementById("report-state");
  var bar = document.getElementById("report-progress-bar");
  var errorText = document.getElementById("report-error");
  var downloads = document.getElementById("report-downloads");

  function showDownloads(links) {
    downloads.replaceChildren();
    Object.keys(links).forEach(function (format) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = links[format];
      link.textContent = "Download " + (FORMAT_LABELS[format] || format);
      item.appendChild(link);
      downloads.appendChild(item);
    });
  }

  function show(status) {
    stateText.textContent = status.state_label;
    bar.value = status.progress;
    bar.textContent = status.progress + "%";
    errorText.textContent = status.error;
    errorText.hidden = !status.error;
    showDownloads(status.downloads);
  }

  function poll() {
    fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status request failed with HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (!status.finished) {
          window.setTimeout(poll, POLL_MILLISECONDS);
        }
      })
      .catch(function () {
        errorText.textContent = "The progress could not be loaded. Reload the page to try again.";
        errorText.hidden = false;
      });
  }

  poll();
})();
