/* A part of a page loaded after the page: <section data-deferred-src="/notifications/todo/panel/">…</section>.
   The part's HTML replaces the placeholder; without JavaScript (or when the request fails) the
   placeholder, which links to the part's own page, stays. */
(function () {
  "use strict";
  function load(placeholder) {
    fetch(placeholder.getAttribute("data-deferred-src"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("HTTP " + response.status); }  // a redirect: the session ended (login page)
        return response.text();
      })
      .then(function (html) {
        var part = document.createElement("template");
        part.innerHTML = html.trim();
        placeholder.replaceWith(part.content);
      })
      .catch(function () { /* the placeholder's link stays */ });
  }
  document.querySelectorAll("[data-deferred-src]").forEach(load);
})();
