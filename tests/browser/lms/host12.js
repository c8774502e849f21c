/* A minimal LMS for the browser tests: scorm-again's SCORM 1.2 run-time as window.API,
   every call recorded, the SCO launched in an iframe the way an LMS player does. */
(function () {
  "use strict";

  var RECORDED = ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
                  "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"];

  window.lmsLog = [];

  function record(api, method) {
    var original = api[method];
    api[method] = function () {
      var args = Array.prototype.slice.call(arguments);
      var result = original.apply(api, args);
      window.lmsLog.push([method, args, result === undefined ? null : String(result)]);
      return result;
    };
  }

  /* What an LMS stores between sessions, and what it hands back on the next launch
     (SCORM 1.2 RTE 3.4.2.1.4: entry is "ab-initio" the first time, "resume" when the last
     session exited with "suspend"). The LMS keeps the score and the journal of interactions
     too; `settings` are what it takes from the manifest (adlcp:masteryscore). */
  function relaunchData(previous, settings) {
    var core = (previous && previous.core) || {};
    var data = {
      core: {
        student_id: core.student_id || "learner-1",
        student_name: core.student_name || "Learner, Test",
        lesson_location: core.lesson_location || "",
        lesson_status: core.lesson_status || "not attempted",
        credit: "credit",
        lesson_mode: "normal",
        entry: !previous ? "ab-initio" : core.exit === "suspend" ? "resume" : ""
      }
    };
    if (core.score) {
      data.core.score = {};
      ["raw", "min", "max"].forEach(function (key) {
        if (core.score[key] !== "") { data.core.score[key] = core.score[key]; }
      });
    }
    if (previous && previous.suspend_data) { data.suspend_data = previous.suspend_data; }
    if (previous && previous.interactions && Object.keys(previous.interactions).length) {
      data.interactions = previous.interactions;   /* {"0": {...}, "1": {...}} */
    }
    if (settings && settings.mastery_score !== undefined) {
      data.student_data = { mastery_score: settings.mastery_score };
    }
    return data;
  }

  window.startLms = function (previous, launchUrl, settings) {
    var api = new window.Scorm12API({ autocommit: false, lmsCommitUrl: false, logLevel: 5 });
    api.loadFromJSON(relaunchData(previous, settings));
    RECORDED.forEach(function (method) { record(api, method); });
    window.API = api;

    var frame = document.createElement("iframe");
    frame.title = "Course";
    frame.name = "course";
    frame.src = launchUrl;
    document.getElementById("lms-stage").appendChild(frame);
    return new Promise(function (resolve) { frame.addEventListener("load", resolve, { once: true }); });
  };

  /* The learner's record (the "cmi" object) as the LMS holds it now, as plain JSON. */
  window.lmsCmi = function () {
    return JSON.parse(JSON.stringify(window.API.renderCMIToJSONObject())).cmi;
  };

  /* The LMS player closing the SCO without the learner pressing Exit. */
  window.unloadCourse = function () {
    var frame = document.querySelector("iframe[title='Course']");
    return new Promise(function (resolve) {
      frame.addEventListener("load", resolve, { once: true });
      frame.src = "about:blank";
    });
  };
}());
