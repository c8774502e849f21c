/* coursepack preview: reloads the page after each good build, shows build problems over the
   page, and a toolbar to reset progress and watch the data an LMS would receive. Served by
   `coursepack preview` only; never part of a package. */
(function () {
  "use strict";

  var script = document.currentScript;
  var shown = Number((/[?&]v=(\d+)/.exec(script ? script.src : "") || [])[1] || -1);
  var record = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  var bar = el("section", "cpv-bar");
  bar.setAttribute("aria-label", "Preview tools");
  bar.appendChild(el("strong", "cpv-title", "Preview"));
  var reset = el("button", "cpv-button", "Reset progress");
  reset.type = "button";
  var toggle = el("button", "cpv-button", "LMS data");
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", "cpv-data");
  bar.appendChild(reset);
  bar.appendChild(toggle);
  var panel = el("pre", "cpv-data");
  panel.id = "cpv-data";
  panel.hidden = true;
  panel.tabIndex = 0;
  panel.setAttribute("aria-label", "Data the course would send to an LMS");
  bar.appendChild(panel);

  var overlay = el("section", "cpv-overlay");
  overlay.setAttribute("role", "alert");
  overlay.setAttribute("aria-label", "Build problems");
  overlay.hidden = true;

  document.body.appendChild(bar);
  document.body.appendChild(overlay);

  function showData() {
    panel.textContent = record ? JSON.stringify(record, null, 2) : "Nothing recorded yet.";
  }

  reset.addEventListener("click", function () {
    document.dispatchEvent(new CustomEvent("coursepack:reset"));
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf("coursepack:") === 0) { window.localStorage.removeItem(key); }
      }
    } catch (e) { /* storage blocked */ }
    /* afresh from the first lesson: without the address's #lesson-ID */
    window.location.replace(window.location.pathname + window.location.search);
  });
  toggle.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    showData();
  });
  document.addEventListener("coursepack:record", function (event) {
    record = event.detail;
    if (!panel.hidden) { showData(); }
  });

  function showProblems(problems) {
    while (overlay.firstChild) { overlay.removeChild(overlay.firstChild); }
    var errors = problems.filter(function (p) { return p.severity === "error"; });
    overlay.hidden = errors.length === 0;
    if (!errors.length) { return; }
    overlay.appendChild(el("h2", "cpv-heading", "The course does not build: " + errors.length +
                           " error" + (errors.length === 1 ? "" : "s")));
    var list = el("ul", "cpv-problems");
    errors.forEach(function (p) {
      var item = el("li");
      item.appendChild(el("code", "", p.file + ":" + p.line + ":" + p.column));
      item.appendChild(el("span", "", " " + p.message));
      if (p.hint) { item.appendChild(el("span", "cpv-hint", " (" + p.hint + ")")); }
      list.appendChild(item);
    });
    overlay.appendChild(list);
    overlay.appendChild(el("p", "", "The page shows the last version that built. Fix the file and save: it updates by itself."));
  }

  function update(state) {
    if (state.ok && state.version !== shown && shown !== -1) {
      window.location.reload();
      return;
    }
    if (shown === -1 && state.ok) { shown = state.version; }
    showProblems(state.problems || []);
  }

  if (window.EventSource) {
    var source = new EventSource("__preview/events");
    source.addEventListener("build", function (event) { update(JSON.parse(event.data)); });
  }
})();
