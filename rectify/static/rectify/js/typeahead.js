/* Type-ahead filter fields: <input data-typeahead="/lookup/units/" data-typeahead-target="id_unit">.
   Typing asks the look-up (at most 20 names in the caller's scope) and lists them under the field;
   choosing one puts its id in the hidden target field. Without JavaScript the text is sent as typed. */
(function () {
  "use strict";
  function attach(input) {
    var hidden = document.getElementById(input.getAttribute("data-typeahead-target"));
    var list = document.createElement("ul");
    list.className = "typeahead-list";
    list.setAttribute("role", "listbox");
    list.id = input.id + "_list";
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    input.insertAdjacentElement("afterend", list);
    var timer = null, active = -1, items = [], asked = 0;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function choose(item) {
      input.value = item.label;
      if (hidden) { hidden.value = item.id; }
      close();
    }
    function mark(index) {
      var nodes = list.children;
      for (var i = 0; i < nodes.length; i++) { nodes[i].setAttribute("aria-selected", i === index ? "true" : "false"); }
      active = index;
    }
    function show(results) {
      items = results;
      list.textContent = "";
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.textContent = item.label;
        if (item.region) {
          var small = document.createElement("small");
          small.textContent = " " + item.region;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(items[i]); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }
    function ask() {
      var mine = ++asked;
      var url = input.getAttribute("data-typeahead") + "?q=" + encodeURIComponent(input.value.trim());
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (mine === asked) { show(data.results || []); } })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      if (hidden) { hidden.value = ""; }
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener("focus", function () { if (!input.value) { ask(); } });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); mark(Math.min(active + 1, items.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(items[active]); }
      else if (event.key === "Escape") { close(); }
    });
  }
  function init() {
    var inputs = document.querySelectorAll("input[data-typeahead]");
    for (var i = 0; i < inputs.length; i++) { attach(inputs[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
