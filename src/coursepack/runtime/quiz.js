/* coursepack quizzes: draws, shuffles, grades, gives feedback and hands each attempt's result
   to the course runtime, which reports it to the LMS. Questions are plain HTML forms; their
   answer keys come from the page's JSON data. Every control is a native input, select or
   button, so every question type works with the keyboard alone. */
(function () {
  "use strict";

  var CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
  var USED = "You have used all your attempts.";

  /* Indices as letters (a matching pair not chosen yet as "-"): the progress record's answers
     and the SCORM responses and patterns. */
  function letters(list, between) {
    return list.map(function (i) { return i < 0 ? "-" : CHARS.charAt(i); }).join(between);
  }

  /* A small seeded generator (mulberry32): the same seed gives the same draw and order, so an
     attempt looks the same after a relaunch. */
  function random(seed) {
    var s = seed >>> 0;
    return function () {
      s = (s + 0x6D2B79F5) >>> 0;
      var t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function permutation(n, next) {
    var order = [];
    for (var i = 0; i < n; i++) { order.push(i); }
    for (var j = n - 1; j > 0; j--) {
      var k = next() * (j + 1) | 0, tmp = order[j];
      order[j] = order[k]; order[k] = tmp;
    }
    return order;
  }

  function all(root, selector) { return [].slice.call(root.querySelectorAll(selector)); }
  /* One property (disabled, hidden) set on every element a selector finds. */
  function put(root, selector, property, value) {
    all(root, selector).forEach(function (el) { el[property] = value; });
  }

  function norm(text, caseSensitive) {
    var t = String(text).replace(/\s+/g, " ").trim();
    return caseSensitive ? t : t.toLowerCase();
  }

  /* A number as typed, in the data models' decimal form ("3,14" and "+3.14" are 3.14, and
     so is "\u0663\u066b\u0661\u0664", in the Arabic-Indic digits an Arabic or Persian keyboard
     types); null when the text is no plain decimal ("0x10", "1e1", "Infinity"): a wrong
     answer, and no response a numeric interaction can hold. */
  function decimal(text) {
    var m = /^\s*([-+]?)(\d*)(?:[.,\u066b](\d*))?\s*$/.exec(String(text).replace(
      /[\u0660-\u0669\u06f0-\u06f9]/g, function (d) { return d.charCodeAt() & 15; }));
    if (!m || !(m[2] || m[3])) { return null; }
    return (m[1] === "-" ? "-" : "") + (m[2] || "0") + (m[3] ? "." + m[3] : "");
  }

  /* ---- answers: read from the form, written back, graded, encoded ---- */

  function readAnswer(q, node) {
    var t = q.type;
    if (t === "fill-in" || t === "numeric") { return node.querySelector("input").value.trim() || null; }
    if (t === "matching") {    /* pairs not chosen yet are -1: a draft keeps the others */
      var choices = all(node, "select").map(function (s) { return s.value === "" ? -1 : Number(s.value); });
      return choices.every(function (c) { return c < 0; }) ? null : choices;
    }
    if (t === "ordering") {
      return all(node, ".cp-order > li").map(function (li) { return Number(li.getAttribute("data-item")); });
    }
    var picked = all(node, "input:checked").map(function (i) { return Number(i.value); });
    return !picked.length ? null : t === "multiple" ? picked.sort(function (a, b) { return a - b; }) : picked[0];
  }

  function writeAnswer(q, node, answer) {
    var t = q.type;
    if (answer === null || answer === undefined) { return; }
    if (t === "fill-in" || t === "numeric") {
      node.querySelector("input").value = answer;
    } else if (t === "matching") {
      all(node, "select").forEach(function (s, i) { s.value = answer[i] < 0 ? "" : String(answer[i]); });
    } else if (t === "ordering") {
      var list = node.querySelector(".cp-order");
      answer.forEach(function (item) {
        var li = list.querySelector('li[data-item="' + item + '"]');
        if (li) { list.appendChild(li); }
      });
    } else {    /* single, multiple, true-false */
      var wanted = [].concat(answer);
      all(node, "input").forEach(function (i) { i.checked = wanted.indexOf(Number(i.value)) >= 0; });
    }
  }

  function isCorrect(q, answer) {
    var key = q.key;
    if (answer === null) { return false; }
    switch (q.type) {
      case "single": case "true-false": return answer === key;
      case "fill-in":
        return key.answers.some(function (a) {
          return norm(a, key.caseSensitive) === norm(answer, key.caseSensitive);
        });
      case "numeric":
        var value = decimal(answer);
        return value !== null && +value >= key.min - 1e-9 && +value <= key.max + 1e-9;
      case "multiple": case "matching": case "ordering": return answer.join(",") === key.join(",");
    }
    return false;
  }

  function encodeAnswer(q, a) {
    if (a === null || a === undefined) { return ""; }
    switch (q.type) {
      case "single": case "true-false": return CHARS.charAt(a);
      case "multiple": case "ordering": case "matching": return letters(a, "");
      default: return encodeURIComponent(a);
    }
  }

  function decodeAnswer(q, text) {
    if (!text) { return null; }
    switch (q.type) {
      case "single": case "true-false": return CHARS.indexOf(text);
      case "multiple": case "ordering": case "matching":
        return text.split("").map(function (c) { return CHARS.indexOf(c); });
      default:
        try { return decodeURIComponent(text); } catch (e) { return null; }
    }
  }

  /* The interaction an LMS receives for one answer, in neutral form; each LMS adapter
     writes it in its standard's syntax. */
  function interaction(quizId, q, answer, correct, startedAt) {
    var kinds = { single: "choice", multiple: "choice", ordering: "sequencing" };  /* else the same */
    var t = q.type, key = q.key;   /* numeric: { min, max } */
    var pairs = function (list) { return list.map(function (right, left) { return [left, right]; }); };
    var response = t === "single" ? [answer] : t === "true-false" ? answer === 1
      : t === "numeric" ? decimal(answer) : t === "matching" ? pairs(answer) : answer;
    var patterns = t === "single" ? [[key]] : t === "true-false" ? [key === 1]
      : t === "fill-in" ? key.answers : [t === "matching" ? pairs(key) : key];
    return { id: quizId + "_" + q.id, type: kinds[t] || t, response: response,
             patterns: patterns, caseSensitive: !!(key && key.caseSensitive),
             correct: correct, weight: q.weight, latency: Date.now() - startedAt,
             when: new Date(), description: q.text };
  }

  /* ---- one quiz on the page ---- */

  function Quiz(section, spec, host) {
    this.section = section;
    this.spec = spec;
    this.host = host;
    this.form = section.querySelector("form");
    this.nodes = {};
    var self = this;
    all(section, ".cp-question").forEach(function (node) {
      self.nodes[node.getAttribute("data-question")] = node;
    });
    this.list = section.querySelector(".cp-questions");
    this.result = section.querySelector(".cp-quiz-result");
    this.retry = section.querySelector(".cp-quiz-retry");
    this.submitButton = section.querySelector(".cp-quiz-submit");
    this.startedAt = null;      /* set when the learner first sees the questions */
    /* the page says quizzes need scripts, and keeps Submit off, until this runs */
    put(section, ".cp-quiz-noscript", "hidden", true);
    this.submitButton.disabled = false;
    this.wire();
    this.load();
  }

  Quiz.prototype = {
    /* The quiz as the course's record has it. */
    load: function () {
      this.state = this.host.restore(this.spec.id) || this.fresh(0, null);
      this.arrange();
      if (this.state.answers && this.state.submitted) { this.show(); }
      else if (this.attemptsLeft() <= 0) { this.close(); }
      else if (this.state.answers) { this.restoreDraft(); }
      this.updateInfo();
    },


    /* The course shows the quiz's lesson: the questions are in front of the learner from
       now on (latency counts from here, not from when the page loaded). */
    presented: function () {
      if (this.startedAt === null) { this.startedAt = Date.now(); }
    },

    fresh: function (used, best) {
      return { used: used, best: best, score: null, submitted: false, answers: null,
               seed: Math.random() * 2147483647 | 0 };
    },

    attemptsLeft: function () {
      return this.spec.attempts ? Math.max(0, this.spec.attempts - this.state.used) : Infinity;
    },

    /* Passed with a limited number of attempts: the rest are not offered (nor counted). */
    passed: function () {
      var mark = this.spec.passMark;
      return !!this.spec.attempts && mark !== null && this.state.best !== null && this.state.best >= mark;
    },

    /* Which questions this attempt shows, in which order, with options in which order. */
    arrange: function () {
      var spec = this.spec, next = random(this.state.seed);
      var order = spec.shuffleQuestions || spec.draw ? permutation(spec.questions.length, next)
                                                    : spec.questions.map(function (_, i) { return i; });
      if (spec.draw) {
        order = order.slice(0, spec.draw);
        if (!spec.shuffleQuestions) { order.sort(function (a, b) { return a - b; }); }
      }
      this.drawn = order;
      var self = this;
      spec.questions.forEach(function (q, i) {
        var node = self.nodes[q.id];
        node.hidden = order.indexOf(i) < 0;
        put(node, "input,select,button", "disabled", node.hidden);
      });
      order.forEach(function (i, position) {
        var q = spec.questions[i], node = self.nodes[q.id];
        self.list.appendChild(node);
        var number = node.querySelector(".cp-qnum");
        if (number) { number.textContent = "Question " + (position + 1) + " of " + order.length; }
        if (spec.shuffleOptions && (q.type === "single" || q.type === "multiple")) {
          var box = node.querySelector(".cp-options");
          var options = all(box, ".cp-option");
          permutation(options.length, next).forEach(function (k) { box.appendChild(options[k]); });
        }
        if (q.type === "ordering") {
          var list = node.querySelector(".cp-order");
          var items = all(list, "li");
          var perm = permutation(items.length, next);
          if (perm.join(",") === q.key.join(",")) { perm.push(perm.shift()); }
          perm.forEach(function (k) { list.appendChild(items[k]); });
          self.labelOrder(node);
        }
      });
    },

    labelOrder: function (node) {
      var items = all(node, ".cp-order > li");
      items.forEach(function (li, i) {
        var up = li.querySelector(".cp-up"), down = li.querySelector(".cp-down");
        up.disabled = i === 0 || node.hidden;
        down.disabled = i === items.length - 1 || node.hidden;
        li.querySelector(".cp-order-pos").textContent = (i + 1) + ".";
      });
    },

    wire: function () {
      var self = this;
      this.form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.submit();
      });
      this.form.addEventListener("click", function (event) {
        var button = event.target.closest("button.cp-up, button.cp-down");
        if (!button || button.disabled) { return; }
        var li = button.closest("li"), list = li.parentNode, node = li.closest(".cp-question");
        if (button.classList.contains("cp-up") && li.previousElementSibling) {
          list.insertBefore(li, li.previousElementSibling);
        } else if (button.classList.contains("cp-down") && li.nextElementSibling) {
          list.insertBefore(li.nextElementSibling, li);
        }
        self.labelOrder(node);
        /* the item in the course's language, the rest in the interface's (the page marks it;
           a theme's own template may have no spans) */
        var items = all(list, "li"), out = node.querySelector(".cp-order-status"), say = all(out, "span");
        var text = li.querySelector(".cp-order-text").textContent + ": ";
        var where = "position " + (items.indexOf(li) + 1) + " of " + items.length;
        if (say[1]) { say[0].textContent = text; say[1].textContent = where; }
        else { out.textContent = text + where; }
        (button.disabled ? li.querySelector(button.classList.contains("cp-up") ? ".cp-down" : ".cp-up")
                         : button).focus();
        self.saveDraft();   /* a move is an answer too, though no "change" event says so */
      });
      /* on every keystroke too: a page closed before the box loses focus keeps the text */
      this.form.oninput = this.form.onchange = function () { self.saveDraft(); };
      this.retry.addEventListener("click", function () { self.again(); });
    },

    answers: function () {
      var self = this, out = {};
      this.drawn.forEach(function (i) {
        var q = self.spec.questions[i];
        out[i] = readAnswer(q, self.nodes[q.id]);
      });
      return out;
    },

    saveDraft: function () {
      if (this.state.submitted) { return; }
      this.state.answers = this.answers();
      this.host.save(this.spec.id, this.state, false);
    },

    restoreDraft: function () {
      var self = this;
      this.drawn.forEach(function (i) {
        var q = self.spec.questions[i];
        writeAnswer(q, self.nodes[q.id], self.state.answers[i]);
        if (q.type === "ordering") { self.labelOrder(self.nodes[q.id]); }
      });
    },

    /* Every attempt used and the answers no longer at hand (they did not fit in the LMS's
       progress record): the result stands, the form stays shut. */
    close: function () {
      put(this.form, "input,select,button", "disabled", true);
      var best = this.state.best;
      this.result.textContent = USED +
        (best === null ? "" : " Your best score is " + best + "%.");
      this.submitButton.hidden = true;
    },

    submit: function () {
      if (this.state.submitted) { return; }
      if (this.attemptsLeft() <= 0) { this.close(); return; }
      var answers = this.answers(), self = this, missing = [], first = null;
      /* Each question left open (a matching one in part too) says so where it is, and the
         result names them all. */
      this.drawn.forEach(function (i, n) {
        var a = answers[i], node = self.nodes[self.spec.questions[i].id];
        var open = a === null || a instanceof Array && a.indexOf(-1) >= 0;
        if (open) { missing.push(n + 1); first = first || node; }
        node.classList.toggle("cp-missing", open);
        node.querySelector(".cp-verdict").textContent = open ? "This question needs an answer." : "";
      });
      if (first) {
        var last = missing.pop();
        this.result.textContent = "Answer question" +
          (missing.length ? "s " + missing.join(", ") + " and " : " ") + last + " before submitting.";
        first.querySelector("input,select,button:enabled").focus();
        return;
      }
      var total = 0, earned = 0, interactions = [];
      this.drawn.forEach(function (i) {
        var q = self.spec.questions[i], ok = isCorrect(q, answers[i]);
        total += q.weight;
        if (ok) { earned += q.weight; }
        interactions.push(interaction(self.spec.id, q, answers[i], ok,
                                      self.startedAt === null ? Date.now() : self.startedAt));
      });
      var score = total ? Math.round(10000 * earned / total) / 100 : 0;
      this.state.answers = answers;
      this.state.submitted = true;
      this.state.used += 1;
      this.state.score = score;
      this.state.best = this.state.best === null ? score : Math.max(this.state.best, score);
      this.show();
      this.host.submitted(this.spec, this.state, interactions);
      this.updateInfo();
      this.result.focus();
    },

    /* The attempt's result and review, the same after a relaunch. */
    show: function () {
      var self = this, spec = this.spec, state = this.state;
      this.restoreDraft();
      this.drawn.forEach(function (i) {
        var q = spec.questions[i], node = self.nodes[q.id], answer = state.answers[i];
        var ok = isCorrect(q, answer);
        put(node, "input, select, button.cp-up, button.cp-down", "disabled", true);
        /* without review, nothing (not even a colour) tells right from wrong */
        node.querySelector(".cp-verdict").textContent = !spec.review ? "" : ok ? "Correct." : "Not correct.";
        if (!spec.review) { return; }
        node.classList.add(ok ? "cp-right" : "cp-wrong");
        all(node, ".cp-option").forEach(function (opt) {
          var input = opt.querySelector("input");
          put(opt, ".cp-option-feedback", "hidden", !input.checked);
          opt.classList.toggle("cp-key", [].concat(q.key).indexOf(Number(input.value)) >= 0);
        });
        put(node, ".cp-if-correct", "hidden", !ok);
        put(node, ".cp-if-incorrect", "hidden", ok);
        put(node, ".cp-explanation, .cp-solution", "hidden", false);
      });
      var passMark = spec.passMark;
      var text = "You scored " + state.score + "%.";
      if (passMark !== null) {
        text += state.score >= passMark ? " You passed (the pass mark is " + passMark + "%)."
                                        : " The pass mark is " + passMark + "%.";
      }
      var left = this.attemptsLeft();
      if (left !== Infinity && !this.passed()) {
        text += left ? " You have " + left + " more attempt" + (left === 1 ? "" : "s") + "."
                     : " " + USED;
      }
      this.result.textContent = text;
      this.retry.hidden = !left || this.passed();
      this.submitButton.hidden = true;
      this.section.classList.add("cp-submitted");
    },

    again: function () {
      var form = this.form;
      this.state = this.fresh(this.state.used, this.state.best);
      form.reset();     /* no answer chosen or typed */
      put(form, ".cp-verdict", "textContent", "");
      put(form, ".cp-option-feedback, .cp-if-correct, .cp-if-incorrect, .cp-explanation, .cp-solution",
          "hidden", true);
      all(form, ".cp-question, .cp-option").forEach(function (el) { el.classList.remove("cp-right", "cp-wrong", "cp-key"); });
      this.arrange();
      this.result.textContent = "";
      this.retry.hidden = true;
      this.submitButton.hidden = false;
      this.section.classList.remove("cp-submitted");
      this.startedAt = Date.now();
      this.host.save(this.spec.id, this.state, true);
      this.updateInfo();
      // (an ordering question's first control, its first item's Move up, is off)
      var first = this.nodes[this.spec.questions[this.drawn[0]].id].querySelector("input,select,button:enabled");
      if (first) { first.focus(); }
    },

    updateInfo: function () {
      var info = this.section.querySelector(".cp-quiz-attempts");
      if (!info) { return; }
      var left = this.attemptsLeft();
      info.textContent = left === Infinity || this.passed() ? "" : "Attempts left: " + left + " of " + this.spec.attempts + ".";
    }
  };

  window.CoursepackQuiz = {
    encodeAnswer: encodeAnswer,
    decodeAnswer: decodeAnswer,
    letters: letters,
    start: function (section, spec, host) { return new Quiz(section, spec, host); }
  };
})();
