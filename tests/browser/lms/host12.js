/* The SCORM 1.2 test LMS (with lms.js): scorm-again's SCORM 1.2 run-time as window.API,
   and what it hands the SCO on launch. */
(function () {
  "use strict";

  var RECORDED = ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
                  "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"];

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

  window.lmsHost({ Api: window.Scorm12API, name: "API", recorded: RECORDED,
                   launchData: relaunchData });
}());
