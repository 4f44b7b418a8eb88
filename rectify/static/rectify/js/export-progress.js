// The progress of a background export: polls the export's JSON status and updates the bar;
// when the file is ready, shows the download link. Acts on [data-export-status] (jobs/export.html),
// which the page carries only while the export is still queued or running.
(function () {
  "use strict";
  var box = document.querySelector("[data-export-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-export-status");
  var bar = box.querySelector("[data-export-bar]");
  var text = box.querySelector("[data-export-text]");
  var link = box.querySelector("[data-export-link]");
  var delay = 1000;

  function show(state) {
    bar.value = state.percent;
    bar.textContent = state.percent + "%";
    text.textContent = state.label + "：" + state.done + " / " + state.total + " 行（" + state.percent + "%）";
    if (state.download) {
      link.querySelector("a").href = state.download;
      link.hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          if (!state.download) { window.location.reload(); }  // failed or expired: the page says why
          return;
        }
        delay = Math.min(delay * 1.5, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, delay);
})();
