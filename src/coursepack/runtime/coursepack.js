/* coursepack runtime: finds the LMS, keeps the learner's place and progress, reports status.
   Static code fed by the JSON block #cp-data. No dependencies, nothing loaded from outside. */
(function () {
  "use strict";

  var dataEl = document.getElementById("cp-data");
  if (!dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var lessons = data.lessons;
  var STATE_VERSION = "1";

  /* ---- LMS discovery (SCORM RTE: walk up the parent frames, then the opener's) ---- */

  function lookUp(win, name) {
    for (var hops = 0; win && hops < 12; hops++) {
      try {
        if (win[name]) { return win[name]; }
      } catch (e) { return null; }  /* a frame from another origin: stop here */
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function findApi(name) {
    var api = lookUp(window, name);
    if (!api && window.opener) { api = lookUp(window.opener, name); }
    return api;
  }

  /* ---- adapters: one per standard, one shape ---- */

  function isTrue(value) { return String(value) === "true"; }

  function pad(n, width) { var s = String(n); while (s.length < width) { s = "0" + s; } return s; }

  function scorm12Time(ms) {
    var cs = Math.round(ms / 10);
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, s = Math.floor(cs / 100) % 60;
    return pad(Math.min(h, 9999), 2) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(cs % 100, 2);
  }

  function Scorm12(api) { this.api = api; this.faults = 0; }
  Scorm12.prototype = {
    kind: "scorm12",
    lastError: function () {
      try { return String(this.api.LMSGetLastError()); } catch (e) { return "101"; }
    },
    call: function (method, a, b) {
      var result;
      try { result = b === undefined ? this.api[method](a) : this.api[method](a, b); }
      catch (e) { result = "false"; }
      return result;
    },
    start: function () {
      return isTrue(this.call("LMSInitialize", ""));
    },
    get: function (key) {
      var value = this.call("LMSGetValue", key);
      return value === null || value === undefined ? "" : String(value);
    },
    set: function (key, value) {
      if (isTrue(this.call("LMSSetValue", key, String(value)))) { return true; }
      if (this.lastError() === "0") { return true; }
      this.faults++;
      return false;
    },
    commit: function () {
      var ok = isTrue(this.call("LMSCommit", ""));
      return ok && this.lastError() === "0";
    },
    restore: function () {
      var status = this.get("cmi.core.lesson_status");
      return {
        location: this.get("cmi.core.lesson_location"),
        suspend: this.get("cmi.suspend_data"),
        completed: status === "completed" || status === "passed",
        fresh: status === "" || status === "not attempted"
      };
    },
    save: function (state) {
      this.set("cmi.core.lesson_location", state.location);
      this.set("cmi.suspend_data", state.suspend);
      if (state.statusChanged || state.fresh) {
        this.set("cmi.core.lesson_status", state.completed ? "completed" : "incomplete");
      }
    },
    finish: function (state, elapsedMs) {
      this.save(state);
      this.set("cmi.core.session_time", scorm12Time(elapsedMs));
      this.set("cmi.core.exit", state.completed ? "" : "suspend");
      var committed = this.commit();
      return isTrue(this.call("LMSFinish", "")) && committed;
    }
  };

  function LocalStore(key) { this.key = key; this.memory = null; }
  LocalStore.prototype = {
    kind: "local",
    start: function () { return true; },
    read: function () {
      try { return JSON.parse(window.localStorage.getItem(this.key) || "null"); }
      catch (e) { return this.memory; }
    },
    restore: function () {
      var saved = this.read() || {};
      return { location: saved.location || "", suspend: saved.suspend || "",
               completed: !!saved.completed, fresh: !saved.location };
    },
    save: function (state) {
      var record = { location: state.location, suspend: state.suspend, completed: state.completed };
      this.memory = record;
      try { window.localStorage.setItem(this.key, JSON.stringify(record)); } catch (e) { /* private mode */ }
    },
    commit: function () { return true; },
    finish: function (state) { this.save(state); return true; }
  };

  /* ---- progress state and its compact, versioned encoding in suspend_data ---- */

  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  function encodeBits(bits) {
    var out = "";
    for (var i = 0; i < bits.length; i += 6) {
      var v = 0;
      for (var j = 0; j < 6; j++) { if (bits[i + j]) { v |= 1 << j; } }
      out += B64.charAt(v);
    }
    return out;
  }

  function decodeBits(text, length) {
    var bits = [];
    for (var i = 0; i < length; i++) {
      var v = B64.indexOf(text.charAt(Math.floor(i / 6)));
      bits.push(v > 0 && (v >> (i % 6)) & 1 ? true : false);
    }
    return bits;
  }

  function encodeState(visited) { return STATE_VERSION + "." + encodeBits(visited); }

  function decodeState(text) {
    var parts = String(text || "").split(".");
    if (parts[0] !== STATE_VERSION || parts.length < 2) { return decodeBits("", lessons.length); }
    return decodeBits(parts[1], lessons.length);
  }

  /* ---- the course ---- */

  var store, usingLms = false;
  var api12 = data.standard === "scorm12" ? findApi("API") : null;
  if (api12) {
    store = new Scorm12(api12);
    usingLms = store.start();
  }
  if (!usingLms) {
    store = new LocalStore("coursepack:" + data.course.id + ":" + data.sco);
    store.start();
  }

  var startedAt = Date.now();
  var saved = store.restore();
  var visited = decodeState(saved.suspend);
  var completed = saved.completed;
  var fresh = saved.fresh;
  var finished = false;
  var current = 0;
  for (var i = 0; i < lessons.length; i++) {
    if (lessons[i].id === saved.location) { current = i; }
  }

  var articles = [], links = [];
  for (var k = 0; k < lessons.length; k++) {
    articles.push(document.getElementById("lesson-" + lessons[k].id));
    links.push(document.querySelector('.cp-toc a[data-lesson="' + lessons[k].id + '"]'));
  }
  var statusEl = document.getElementById("cp-status");

  function say(text) { if (statusEl) { statusEl.textContent = text; } }

  /* Pages marked optional (the References page) are not lessons: they never count. */
  var required = 0;
  for (var r = 0; r < lessons.length; r++) { if (!lessons[r].optional) { required++; } }

  function visitedCount() {
    var n = 0;
    for (var v = 0; v < visited.length; v++) { if (visited[v] && !lessons[v].optional) { n++; } }
    return n;
  }

  function snapshot(statusChanged) {
    return { location: lessons[current].id, suspend: encodeState(visited), completed: completed,
             statusChanged: statusChanged, fresh: fresh };
  }

  function persist(statusChanged) {
    if (finished) { return; }
    store.save(snapshot(statusChanged));
    fresh = false;
    if (!store.commit()) {
      say("Your progress may not have been recorded by the learning system. " +
          "Keep this window open and try again in a moment.");
    }
  }

  function updateProgress() {
    var bar = document.getElementById("cp-progress-bar");
    var text = document.getElementById("cp-progress-text");
    var count = visitedCount();
    if (bar) { bar.max = required; bar.value = count; }
    if (text) { text.textContent = count + " of " + required + " lessons visited"; }
    for (var n = 0; n < links.length; n++) {
      if (!links[n]) { continue; }
      links[n].classList.toggle("cp-visited", !!visited[n]);
      if (n === current) { links[n].setAttribute("aria-current", "page"); }
      else { links[n].removeAttribute("aria-current"); }
    }
  }

  function updatePager() {
    var prev = document.getElementById("cp-prev"), next = document.getElementById("cp-next");
    prev.disabled = current === 0;
    next.disabled = current === lessons.length - 1;
    document.getElementById("cp-prev-title").textContent =
      current > 0 ? ": " + lessons[current - 1].title : "";
    document.getElementById("cp-next-title").textContent =
      current < lessons.length - 1 ? ": " + lessons[current + 1].title : "";
  }

  function show(index, moveFocus) {
    current = index;
    for (var a = 0; a < articles.length; a++) {
      if (articles[a]) { articles[a].hidden = a !== index; }
    }
    visited[index] = true;
    var statusChanged = false;
    if (!completed && visitedCount() >= data.completion.needed) {
      completed = true;
      statusChanged = true;
    }
    updateProgress();
    updatePager();
    persist(statusChanged);
    if (moveFocus) {
      var heading = articles[index] && articles[index].querySelector("h1");
      if (heading) { heading.focus(); }
      window.scrollTo(0, 0);
    }
  }

  function indexOfHash(hash) {
    var id = decodeURIComponent(String(hash || "").replace(/^#lesson-/, ""));
    for (var n = 0; n < lessons.length; n++) { if (lessons[n].id === id) { return n; } }
    return -1;
  }

  function finish() {
    if (finished) { return; }
    var ok = store.finish(snapshot(false), Date.now() - startedAt);
    finished = true;
    return ok;
  }

  /* ---- wiring ---- */

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#lesson-']") : null;
    if (!link || finished) { return; }
    var index = indexOfHash(link.getAttribute("href"));
    if (index >= 0) {
      event.preventDefault();
      show(index, true);
    }
  });
  document.getElementById("cp-prev").addEventListener("click", function () {
    if (current > 0) { show(current - 1, true); }
  });
  document.getElementById("cp-next").addEventListener("click", function () {
    if (current < lessons.length - 1) { show(current + 1, true); }
  });
  var exitButton = document.getElementById("cp-exit");
  exitButton.addEventListener("click", function () {
    var ok = finish();
    document.body.classList.add("cp-finished");
    say(ok ? "Your progress has been saved. You can close this window now."
           : "You have left the course. Your progress may not have been recorded.");
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { persist(false); }
  });
  window.addEventListener("pagehide", finish);

  document.body.classList.add("cp-js");
  document.getElementById("cp-progress").hidden = false;
  document.getElementById("cp-pager").hidden = false;
  exitButton.hidden = !usingLms;
  show(current, false);

  window.coursepack = { store: store.kind, lessons: lessons.length };
})();
