// The progress of background exports: polls each export's JSON status and updates its bar;
// when the file is ready, shows its download link. Acts on every [data-export-status] element:
// the export's own page (jobs/export.html) and each unfinished row of 我的导出 (jobs/exports.html)
// carry it only while the export is still queued or running.
(function () {
  "use strict";

  function follow(box) {
    var url = box.getAttribute("data-export-status");
    var bar = box.querySelector("[data-export-bar]");
    var text = box.querySelector("[data-export-text]");
    var link = box.querySelector("[data-export-link]");
    var label = box.querySelector("[data-export-label]");
    var delay = 1000;

    function show(state) {
      if (bar) {
        bar.value = state.percent;
        bar.textContent = state.percent + "%";
      }
      if (label) { label.textContent = state.label; }
      if (text) {
        text.textContent = state.label + "：" + state.done + " / " + state.total + " 行（" + state.percent + "%）";
      }
      if (state.download && link) {
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
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-export-status]"), follow);
})();
