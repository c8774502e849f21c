/* coursepack runtime: finds the LMS, keeps the learner's place and progress, reports status,
   score and answers. Static code fed by the JSON block #cp-data; no dependencies.
   One course model; one adapter per standard (SCORM 1.2, SCORM 2004, none) behind one shape. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  var dataEl = byId("cp-data");
  if (!dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var lessons = data.lessons;
  var lessonIds = lessons.map(function (l) { return l.id; });
  var quizSpecs = data.quizzes || [];
  function pad(n, width) { var s = String(n); while (s.length < width) { s = "0" + s; } return s; }
  function isTrue(value) { return String(value) === "true"; }

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

  /* lookUp stops at a window it may not read (an opener from another origin too) */
  function findApi(name) { return lookUp(window, name) || lookUp(window.opener, name); }

  /* ---- times in each standard's format ---- */

  function timespan12(ms) {        /* CMITimespan: HHHH:MM:SS.SS */
    var cs = Math.round(ms / 10);
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, s = Math.floor(cs / 100) % 60;
    return pad(Math.min(h, 9999), 2) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(cs % 100, 2);
  }

  function duration2004(ms) {      /* ISO 8601 duration: PT1H2M3.45S */
    var cs = Math.round(ms / 10), h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60;
    var s = (cs % 6000) / 100, out = "PT";
    if (h) { out += h + "H"; }
    if (m) { out += m + "M"; }
    return out + (Math.round(s * 100) / 100) + "S";
  }

  function clock12(date) {         /* CMITime: HH:MM:SS */
    return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
  }

  function timestamp2004(date) {   /* time(second,10,0): YYYY-MM-DDThh:mm:ss */
    return date.getFullYear() + "-" + pad(date.getMonth() + 1, 2) + "-" + pad(date.getDate(), 2) +
      "T" + clock12(date);
  }

  /* A number in plain decimal notation, as the data models' decimals are written: String()
     gives 5e-7 and 3e+21. */
  function plain(n) {
    var m = /(\d)\.?(\d*)e([+-]\d+)/.exec(n), e = m && +m[3];
    return !m ? String(n) : (n < 0 ? "-" : "") + (e < 0 ? "0." + Array(-e).join("0") + m[1] + m[2]
                                                        : m[1] + m[2] + Array(e - m[2].length + 1).join("0"));
  }

  /* What a SCORM 2004 real(10,7) holds (as LMSs check it): at most 10 digits before the
     point and 18 after. */
  function real(text) { return /^-?\d{1,10}(\.\d{1,18})?$/.test(text); }

  /* ---- the SCORM adapters: the same calls, each in its standard's words ---- */

  function Scorm(api, version) {
    this.api = api;
    this.v12 = version === "scorm12";
    this.kind = version;
    this.limit = this.v12 ? 4096 : 64000;
    this.interactions = null;
    this.waiting = [];      /* answers not yet given a place among the interactions */
    this.queue = [];        /* interaction values the LMS has not taken and committed yet */
  }

  Scorm.prototype = {
    /* Each call by its SCORM 2004 name: SCORM 1.2's are the same with "LMS" in front, but
       Finish for Terminate. */
    call: function (method, a, b) {
      var name = this.v12 ? "LMS" + (method === "Terminate" ? "Finish" : method) : method;
      try { return b === undefined ? this.api[name](a) : this.api[name](a, b); }
      catch (e) { return "false"; }
    },
    lastError: function () {
      var code = this.call("GetLastError");
      return code === "false" ? "101" : String(code);
    },
    start: function () { return isTrue(this.call("Initialize", "")); },
    learner: function () { return this.get(this.v12 ? "cmi.core.student_id" : "cmi.learner_id"); },
    get: function (key) {
      var value = this.call("GetValue", key);
      return value === null || value === undefined || value === "false" && this.lastError() !== "0"
        ? "" : String(value);
    },
    /* Whether the value is done with. A "false" from SetValue may be a warning only (error 0).
       A data model error (4xx, but 408: a value this one depends on is missing) will not go
       away on a retry, so that value is given up rather than sent again and again. */
    set: function (key, value) {
      if (isTrue(this.call("SetValue", key, String(value)))) { return true; }
      var code = this.lastError();
      return code === "0" || /^4(?!08)\d\d$/.test(code);
    },
    /* Never trust a "true" blindly: some LMSs report a failed commit only as an error code. */
    commit: function () { return isTrue(this.call("Commit", "")) && this.lastError() === "0"; },

    restore: function () {
      var v12 = this.v12;
      var status = this.get(v12 ? "cmi.core.lesson_status" : "cmi.completion_status");
      var success = v12 ? status : this.get("cmi.success_status");
      if (v12 && status !== "not attempted") { this.sentStatus = status; }
      return {
        location: this.get(v12 ? "cmi.core.lesson_location" : "cmi.location"),
        suspend: this.get("cmi.suspend_data"),
        completed: status === "completed" || status === "passed",
        success: /^(passed|failed)$/.test(success) ? success : null
      };
    },

    /* Writes the learner's state and the new interactions, then commits. True once all that
       the LMS can take is stored and committed; the rest is written again on the next save. */
    save: function (state, items, leaving) {
      var v12 = this.v12, self = this, p = v12 ? "cmi.core." : "cmi.";
      var status = state.success || (state.completed ? "completed" : "incomplete");
      var statusWrite = [p + "lesson_status", status];
      var writes = [[p + (v12 ? "lesson_location" : "location"), state.location],
                    ["cmi.suspend_data", state.suspend]];
      if (state.score !== null) {         /* the score before the status (RTE order) */
        writes.push([p + "score.min", 0], [p + "score.max", 100], [p + "score.raw", state.score]);
        if (!v12) { writes.push([p + "score.scaled", Math.round(state.score * 100) / 10000]); }
      }
      if (!v12) {
        writes.push([p + "completion_status", state.completed ? "completed" : "incomplete"],
                    [p + "success_status", state.success || "unknown"],
                    [p + "progress_measure", state.progress]);
      } else if (status !== this.sentStatus) { writes.push(statusWrite); }
      var failed = writes.filter(function (w) { return !self.set(w[0], w[1]); });
      /* Answers take their places among the interactions once the LMS answers; each is
         written once, and only the values the LMS did not take are written again. */
      this.waiting = this.waiting.concat(items || []);
      if (!failed.length && this.waiting.length) {
        this.queue = this.queue.concat(this.entries(this.waiting));
        this.waiting = [];
      }
      var missed = this.queue.filter(function (w) { return !self.set(w[0], w[1]); });
      /* Time and exit go with every commit, not only the last: a session the browser ends
         without a word (a phone closing the tab) still counts its time and keeps its place.
         The learner's progress does not hang on them. */
      this.set(p + "session_time", v12 ? timespan12(state.elapsed) : duration2004(state.elapsed));
      this.set(p + "exit", state.finished ? (v12 ? "" : "normal") : "suspend");
      if (leaving && !v12) { this.set("adl.nav.request", state.finished ? "exitAll" : "suspendAll"); }
      /* A value counts as sent only once the LMS took it and committed it. */
      if (!this.commit()) { return false; }
      if (failed.indexOf(statusWrite) < 0) { this.sentStatus = status; }
      this.queue = missed;
      return !failed.length && !missed.length;
    },

    /* One interaction record per answered question, appended after those already there, as
       the element and value pairs to write. */
    entries: function (items) {
      if (this.interactions === null) {
        var count = this.get("cmi.interactions._count");
        this.interactions = /^\d+$/.test(count) ? Number(count) : -1;
      }
      var self = this, out = [];
      if (this.interactions >= 0) {       /* else the LMS keeps no interactions */
        items.forEach(function (x) { out = out.concat(self.interaction(x, "cmi.interactions." + self.interactions++ + ".")); });
      }
      return out;
    },

    interaction: function (x, p) {
      var v12 = this.v12, out = [[p + "id", x.id], [p + "type", x.type]];
      if (!v12) { out.push([p + "timestamp", timestamp2004(x.when)]); }
      out.push([p + "weighting", x.weight]);
      this.patterns(x).forEach(function (pattern, k) { out.push([p + "correct_responses." + k + ".pattern", pattern]); });
      var response = this.response(x);
      if (response !== null) { out.push([p + (v12 ? "student_response" : "learner_response"), response]); }
      out.push([p + "result", x.correct ? "correct" : v12 ? "wrong" : "incorrect"],
               [p + "latency", v12 ? timespan12(x.latency) : duration2004(x.latency)],
               v12 ? [p + "time", clock12(x.when)] : [p + "description", x.description.slice(0, 250)]);
      return out;
    },

    /* Responses and patterns in the syntax of each standard (1.2: single characters and commas,
       2004: [,] [.] [:] delimiters); SCORM 1.2 strings stop at 255 characters. */
    format: function (type, value, caseSensitive) {
      var v12 = this.v12, list = v12 ? "," : "[,]";
      switch (type) {
        case "choice": case "sequencing":
          return Q.letters(value, list);
        case "true-false": return v12 ? (value ? "t" : "f") : (value ? "true" : "false");
        case "matching":
          return value.map(function (pair) { return Q.letters(pair, v12 ? "." : "[.]"); }).join(list);
        case "numeric": return plain(value.min) + (v12 ? "" : "[:]" + plain(value.max));
        default:    /* fill-in: SCORM 2004 holds 250 characters a string, 1.2 255 */
          return (!v12 && caseSensitive ? "{case_matters=true}" : "") + String(value).slice(0, v12 ? 255 : 250);
      }
    },
    response: function (x) {
      return x.type !== "numeric" ? this.format(x.type, x.response)
        : this.v12 || real(x.response) ? x.response : null;
    },
    /* A SCORM 2004 LMS may read a comma in a fill-in pattern as a list and refuse it: such a
       pattern, one too long to hold, or a number no real(10,7) holds, is left out (the
       runtime grades, not the LMS). */
    patterns: function (x) {
      var self = this, v12 = this.v12;
      if (v12 && x.type === "numeric" && x.patterns[0].min !== x.patterns[0].max) { return []; }
      return x.patterns.filter(function (p) { return v12 || x.type !== "fill-in" || !/,|.{251}/.test(p); })
                       .map(function (p) { return self.format(x.type, p, x.caseSensitive); })
                       .filter(function (p) { return v12 || x.type !== "numeric" || p.split("[:]").every(real); });
    },

    finish: function (state, leaving) {
      var ok = this.save(state, null, leaving);
      return isTrue(this.call("Terminate", "")) && ok;
    }
  };

  /* No LMS (preview, a plain web host, the file system): the same record in localStorage. */
  function LocalStore(key) {
    this.key = key; this.memory = null; this.kind = "local"; this.limit = 64000; this.log = [];
  }
  LocalStore.prototype = {
    start: function () { return true; },
    read: function () {
      try { return JSON.parse(window.localStorage.getItem(this.key) || "null"); }
      catch (e) { return this.memory; }
    },
    restore: function () {
      var saved = this.read() || {};
      return { location: saved.location || "", suspend: saved.suspend || "",
               completed: !!saved.completed, success: saved.success };
    },
    save: function (state, items) {
      var record = { location: state.location, suspend: state.suspend, completed: state.completed,
                     success: state.success, score: state.score };
      this.memory = record;
      try { window.localStorage.setItem(this.key, JSON.stringify(record)); } catch (e) { /* private mode */ }
      /* What an LMS would have received, for tools such as the preview's data panel. */
      this.log = this.log.concat(items || []);
      var detail = JSON.parse(JSON.stringify(record));
      detail.interactions = this.log;
      document.dispatchEvent(new CustomEvent("coursepack:record", { detail: detail }));
      return true;
    },
    clear: function () {
      try { window.localStorage.removeItem(this.key); } catch (e) { /* storage blocked */ }
    },
    finish: function (state) { return this.save(state); }
  };

  /* ---- the learner's progress, kept compact and versioned in suspend_data ----
     3|<visited lesson ids, or .<fingerprint>.<bits>>|<quiz>;<quiz>...
     quiz = id:fingerprint:used:seed:score:best:submitted:answer,answer,...
     Kept by id, so that a new version of the course (lessons or quizzes added, ids unchanged)
     finds each lesson's and quiz's own record. Format 2 (by position) is still read. */

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

  function decodeBits(text) {
    return lessons.map(function (_, i) {
      var v = B64.indexOf(text.charAt(i / 6 | 0));
      return v > 0 && (v >> i % 6 & 1) === 1;
    });
  }

  /* A short fingerprint of a list of ids: data kept by position is only read back for the
     same list. */
  function print(list) {
    for (var h = 0, s = list.map(function (x) { return x.id; }).join(), i = 0; i < s.length; i++) {
      h = h * 31 + s.charCodeAt(i) | 0;
    }
    return (h >>> 0).toString(36);
  }

  var Q = window.CoursepackQuiz;

  function encodeQuiz(index, state, withAnswers) {
    var spec = quizSpecs[index], answers = [];
    if (withAnswers && state.answers) {
      for (var i = 0; i < spec.questions.length; i++) {
        answers.push(Q.encodeAnswer(spec.questions[i], state.answers[i]));
      }
    }
    var num = function (x) { return x === null || x === undefined ? "" : String(Math.round(x * 100)); };
    return [spec.id, print(spec.questions), state.used, state.seed.toString(36), num(state.score),
            num(state.best), state.submitted ? 1 : 0, answers.join(",")].join(":");
  }

  function decodeQuiz(text, version) {
    var f = text.split(":");
    if (version === "2") { f.splice(0, 1, (quizSpecs[f[0]] || {}).id, ""); }   /* by position */
    var index = quizIndex[f[0]], spec = quizSpecs[index];
    if (!spec || f.length < 8) { return null; }
    var num = function (x) { return x === "" ? null : Number(x) / 100; };
    var state = { used: Number(f[2]) || 0, seed: parseInt(f[3], 36) || 1, score: num(f[4]),
                  best: num(f[5]), submitted: f[6] === "1", answers: null };
    /* Answers go by question position: read only for the same questions. */
    if (f[7] && (!f[1] || f[1] === print(spec.questions))) {
      var parts = f[7].split(","), answers = {};
      for (var i = 0; i < spec.questions.length; i++) {
        answers[i] = Q.decodeAnswer(spec.questions[i], parts[i] || "");
      }
      state.answers = answers;
    } else {
      state.submitted = false;   /* no answers to show: the attempt starts afresh */
    }
    return { index: index, state: state };
  }

  function encodeState(limit) {
    var records = function (withAnswers) {
      return quizStates.map(function (s, i) { return s ? encodeQuiz(i, s, withAnswers) : ""; })
                       .filter(Boolean).join(";");
    };
    var head = "3|" + lessonIds.filter(function (_, i) { return visited[i]; }) + "|", full = head + records(true);
    if (full.length <= limit) { return full; }
    /* Too long for this LMS: visited lessons by position (at most 334 characters), then
       without the answers (the learner's record stays right; only the review of past
       answers is lost). */
    head = "3|." + print(lessons) + "." + encodeBits(visited) + "|";
    if ((head + records(true)).length <= limit) { return head + records(true); }
    var list = records(false).split(";");
    while (list.length && (head + list.join(";")).length > limit) { list.pop(); }
    console.warn("coursepack: progress record too long (" + full.length + " > " + limit + "); answers left out");
    return (head + list.join(";")).slice(0, limit);
  }

  function decodeState(text) {
    var parts = String(text || "").split("|"), version = parts[0], quizzes = [];
    if (version !== "2" && version !== "3") { return quizzes; }
    var seen = (parts[1] || "").split(".");   /* ids; or "", fingerprint, bits; format 2: bits */
    if (version === "2" || seen[1] === print(lessons)) { visited = decodeBits(seen.pop()); }
    else { visited = lessons.map(function (l) { return seen[0].split(",").indexOf(l.id) >= 0; }); }
    (parts[2] || "").split(";").forEach(function (chunk) {
      var q = decodeQuiz(chunk, version);
      if (q) { quizzes[q.index] = q.state; }
    });
    return quizzes;
  }

  /* ---- the course ---- */

  var key = "coursepack:" + data.course.id + ":" + data.sco;
  var apiName = data.standard === "scorm12" ? "API" : data.standard === "scorm2004" ? "API_1484_11" : "";
  var api = apiName ? findApi(apiName) : null;
  /* An LMS that is there but does not start the session (lms set, usingLms false) may start
     it later: until then the course runs from this browser's record, the learner is told,
     and each retry tries to start it again (join). */
  var lms = api ? new Scorm(api, data.standard) : null;
  var usingLms = !!lms && lms.start();
  var store = usingLms ? lms : new LocalStore(key);

  var startedAt = Date.now();
  var saved = store.restore();
  var mirror = null;
  if (usingLms) {
    mirror = new LocalStore(key + ":" + store.learner());
    var kept = mirror.restore();
    if (!saved.suspend && !saved.location && kept.suspend) { saved = kept; }
  }
  var quizIndex = {};
  quizSpecs.forEach(function (spec, i) { quizIndex[spec.id] = i; });
  var visited = decodeBits("");
  var quizStates = decodeState(saved.suspend);
  var completed = saved.completed;
  var held = saved.success;
  var finished = false;
  /* On the web the address names the lesson shown: Back and Forward go between the lessons
     opened, and a link or bookmark to #lesson-ID opens that lesson. */
  var web = data.standard === "web";
  var opened = Math.max(0, lessonIndex(saved.location));    /* an address naming none shows it */
  var current = addressed();
  if (current < 0) { current = opened; }

  var articles = lessons.map(function (l) { return byId("lesson-" + l.id); });
  var links = lessons.map(function (l) { return document.querySelector('.cp-toc a[data-lesson="' + l.id + '"]'); });
  var statusEl = byId("cp-status");

  function say(text) { if (statusEl) { statusEl.textContent = text; } }

  /* Pages marked optional (the References page) are not lessons: they never count. */
  var required = lessons.filter(function (l) { return !l.optional; }).length;

  function visitedCount() {
    return lessons.filter(function (l, i) { return visited[i] && !l.optional; }).length;
  }

  /* The assessment named in course.yaml, when this SCO has it, and the learner's record of it. */
  var examIndex = quizIndex[data.assessment], exam = quizSpecs[examIndex];
  function examState() { return exam && quizStates[examIndex] || { best: null }; }

  /* passed / failed / null */
  function success() {
    var state = examState();
    return state.best === null ? null : exam.passMark !== null && state.best >= exam.passMark ? "passed"
      : exam.attempts && state.used >= exam.attempts ? "failed" : null;
  }

  /* What is reported never lowers what the LMS holds (a new version of the course may not
     find the record that passed): passed stays passed, failed stays until passed. */
  function reported() {
    var result = success();
    return held === "passed" ? held : result || held || null;
  }


  /* Nothing left to do: every needed lesson visited and the assessment (if this SCO has
     one) passed or failed for good. Only then does the learner leave "normally"; otherwise
     the LMS must keep the attempt (suspend), or a SCORM 2004 LMS starts a new one and the
     visited lessons and used quiz attempts are gone. */
  function isFinished() {
    return completed && (!exam || success() !== null);
  }

  function snapshot() {
    return { location: lessons[current].id, suspend: encodeState(store.limit),
             completed: completed, success: reported(), score: examState().best, finished: isFinished(),
             elapsed: Date.now() - startedAt,
             progress: required ? Math.round(100 * visitedCount() / required) / 100 : 1 };
  }

  /* When the LMS refuses or loses data, the course goes on: progress is kept in this browser
     (the mirror), the learner is told plainly, and the data is sent again with growing
     pauses until the LMS takes it. */
  var warned = false, retryTimer = null, retries = 0;
  var RETRY_MS = [2000, 5000, 10000, 30000, 60000];

  function persist(items) {
    if (finished) { return true; }
    if (lms && !usingLms) {
      if (lms.start()) { join(); }
      else { lms.waiting = lms.waiting.concat(items || []); }
    }
    var snap = snapshot();
    if (mirror) { mirror.save(snap); }
    var ok = store.save(snap, items) && (usingLms || !lms);
    if (ok) {
      retries = 0;
      if (warned) { warned = false; say(""); }
    } else {
      if (!warned) {
        warned = true;
        say("Your progress may not have reached the learning system. It is kept in this " +
            "browser and will be sent again; keep this window open for a moment.");
      }
      if (!retryTimer && retries < 20) {
        retryTimer = window.setTimeout(function () {
          retryTimer = null;
          retries++;
          persist();
        }, RETRY_MS[Math.min(retries, RETRY_MS.length - 1)]);
      }
    }
    return ok;
  }

  /* The LMS started late: what it held (from an earlier session) and this session's progress
     come together, and the LMS gets the lot. */
  function join() {
    var kept = lms.restore(), mine = visited;
    decodeState(kept.suspend).forEach(function (state, i) {
      if (!quizStates[i]) {         /* a quiz this session has not touched */
        quizStates[i] = state;
        if (quizViews[quizSpecs[i].id]) { quizViews[quizSpecs[i].id].load(); }
      }
    });
    visited = visited.map(function (v, i) { return v || mine[i]; });
    completed = completed || kept.completed || visitedCount() >= data.completion.needed;
    held = held || kept.success;
    store = lms;
    usingLms = true;
    mirror = new LocalStore(key + ":" + lms.learner());
    if (exitButton) { exitButton.hidden = false; }
    updateProgress();
  }

  /* The bar runs to what the completion rule needs, and the text says when it is met. */
  function updateProgress() {
    var bar = byId("cp-progress-bar"), text = byId("cp-progress-text");
    var count = visitedCount(), needed = data.completion.needed;
    if (bar) { bar.max = needed || 1; bar.value = completed ? bar.max : Math.min(count, needed); }
    if (text) {
      text.textContent = count + " of " + required + " lessons visited" +
        (completed ? ". Course complete." : needed < required ? " (" + needed + " needed)" : "");
    }
    links.forEach(function (link, n) {
      if (!link) { return; }
      link.classList.toggle("cp-visited", !!visited[n]);
      if (n === current) { link.setAttribute("aria-current", "page"); }
      else { link.removeAttribute("aria-current"); }
    });
  }

  function updatePager() {
    var prev = byId("cp-prev"), next = byId("cp-next");
    if (!prev || !next) { return; }
    prev.disabled = current === 0;
    next.disabled = current === lessons.length - 1;
    byId("cp-prev-title").textContent = prev.disabled ? "" : ": " + lessons[current - 1].title;
    byId("cp-next-title").textContent = next.disabled ? "" : ": " + lessons[current + 1].title;
  }

  function show(index, moveFocus) {
    current = index;
    if (web && moveFocus && addressed() !== index) { history.pushState(null, "", "#lesson-" + lessonIds[index]); }
    articles.forEach(function (article, a) { if (article) { article.hidden = a !== index; } });
    visited[index] = true;
    var view = quizViews[lessonIds[index]];
    if (view) { view.presented(); }
    if (!completed && visitedCount() >= data.completion.needed) { completed = true; }
    updateProgress();
    updatePager();
    persist();
    if (moveFocus) {
      var heading = articles[index] && articles[index].querySelector("h1");
      if (heading) { heading.focus(); }
      /* the top of the page, unless the heading would be below the fold there (the contents
         above the lesson on a small screen): then the lesson's top */
      if (heading && heading.getBoundingClientRect().bottom + window.pageYOffset > window.innerHeight) {
        articles[index].scrollIntoView();
      } else { window.scrollTo(0, 0); }
    }
  }

  function lessonIndex(id) { return lessonIds.indexOf(id); }
  function addressed() {
    return !web ? -1 : location.hash ? lessonIndex(location.hash.replace("#lesson-", "")) : opened;
  }

  function finish(leaving) {
    if (finished) { return true; }
    var ok = store.finish(snapshot(), leaving);
    finished = true;
    return ok;
  }

  /* ---- quizzes: the course keeps their state and reports their results ---- */

  var quizHost = {
    restore: function (id) { return quizStates[quizIndex[id]] || null; },
    /* Answers being given are kept; they reach the LMS with the next commit. */
    save: function (id, state, now) { quizStates[quizIndex[id]] = state; if (now) { persist(); } },
    submitted: function (spec, state, interactions) {
      quizStates[quizIndex[spec.id]] = state;
      persist(interactions);
    }
  };

  /* ---- wiring ---- */

  /* A link to a lesson shows it, the focus on its heading; a link to a place inside a hidden
     lesson (a reference entry) shows that lesson, the focus on the place. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    var target = link && !finished && byId(decodeURIComponent(link.getAttribute("href").slice(1)));
    var article = target && target.closest(".cp-lesson");
    var index = article ? lessonIndex(article.getAttribute("data-lesson")) : -1;
    if (index < 0 || target !== article && !article.hidden) { return; }
    event.preventDefault();
    show(index, target === article);
    if (target !== article) {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
      target.scrollIntoView();
    }
  });
  var prevButton = byId("cp-prev"), nextButton = byId("cp-next"), exitButton = byId("cp-exit");
  if (prevButton) { prevButton.addEventListener("click", function () { if (current > 0) { show(current - 1, true); } }); }
  if (nextButton) { nextButton.addEventListener("click", function () { if (current < lessons.length - 1) { show(current + 1, true); } }); }
  if (exitButton) {
    exitButton.addEventListener("click", function () {
      var ok = finish(true);
      /* The course ends here, visibly: the lessons and quizzes go, the message takes the
         focus, and nothing more can be answered that would not be recorded. */
      document.body.classList.add("cp-finished");
      exitButton.disabled = true;
      say(ok ? "Your progress has been saved. You can close this window now."
             : "You have left the course. Your progress may not have been recorded.");
      if (statusEl) { statusEl.focus(); }
    });
    exitButton.hidden = !usingLms;
  }
  window.onhashchange = function () {
    if (addressed() >= 0) { show(addressed(), true); }
  };
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { persist(); }
  });
  window.addEventListener("pagehide", function () { finish(false); });
  /* Tools (the preview's "Reset progress") start the learner afresh: nothing more is saved. */
  document.addEventListener("coursepack:reset", function () {
    finished = true;
    if (store.clear) { store.clear(); }
  });

  document.body.classList.add("cp-js");
  ["cp-progress", "cp-pager"].forEach(function (id) { if (byId(id)) { byId(id).hidden = false; } });
  var quizViews = {};
  if (Q) {
    quizSpecs.forEach(function (spec) {
      var section = document.querySelector('.cp-quiz[data-quiz="' + spec.id + '"]');
      if (section) { quizViews[spec.id] = Q.start(section, spec, quizHost); }
    });
  }
  show(current, false);

  window.coursepack = { store: store.kind, lessons: lessons.length };
})();
