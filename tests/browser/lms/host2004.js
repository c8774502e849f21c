/* A minimal LMS for the browser tests: scorm-again's SCORM 2004 run-time as
   window.API_1484_11, every call recorded, the SCO launched in an iframe the way an LMS
   player does. The same shape as host12.js. */
(function () {
  "use strict";

  var RECORDED = ["Initialize", "Terminate", "GetValue", "SetValue", "Commit",
                  "GetLastError", "GetErrorString", "GetDiagnostic"];

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

  /* Run-time data an LMS keeps for a learner attempt (RTE 4.2). */
  var KEPT = ["location", "suspend_data", "completion_status", "success_status",
              "progress_measure"];

  /* The interactions the LMS kept, as a list, each with its id and type first (the data
     model takes nothing else before them). */
  function interactionsOf(previous) {
    var kept = previous.interactions || {};
    return Object.keys(kept).sort(function (a, b) { return a - b; }).map(function (n) {
      var item = kept[n], copy = { id: item.id, type: item.type };
      Object.keys(item).forEach(function (key) {
        if (key !== "id" && key !== "type") { copy[key] = item[key]; }
      });
      return copy;
    });
  }

  /* What the LMS hands the SCO on launch (RTE 4.2.7 cmi.entry): "ab-initio" at the start
     of a learner attempt; "resume", with the attempt's data, when the last session exited
     with "suspend". Any other exit ended the attempt, so the next launch starts a new one.
     `settings` are what the LMS takes from the manifest (scaled_passing_score from the
     primary objective's minNormalizedMeasure). */
  function launchData(previous, settings) {
    var data = {
      learner_id: (previous && previous.learner_id) || "learner-1",
      learner_name: (previous && previous.learner_name) || "Learner, Test",
      entry: "ab-initio"
    };
    if (previous && previous.exit === "suspend") {
      data.entry = "resume";
      KEPT.forEach(function (key) {
        if (previous[key] !== undefined && previous[key] !== "") { data[key] = previous[key]; }
      });
      if (previous.score) {
        data.score = {};
        ["scaled", "raw", "min", "max"].forEach(function (key) {
          if (previous.score[key] !== "") { data.score[key] = previous.score[key]; }
        });
      }
      var interactions = interactionsOf(previous);
      if (interactions.length) { data.interactions = interactions; }
    }
    if (settings && settings.scaled_passing_score !== undefined) {
      data.scaled_passing_score = settings.scaled_passing_score;
    }
    return data;
  }

  window.startLms = function (previous, launchUrl, settings) {
    var api = new window.Scorm2004API({ autocommit: false, lmsCommitUrl: false, logLevel: 5 });
    api.loadFromJSON(launchData(previous, settings));
    RECORDED.forEach(function (method) { record(api, method); });
    window.API_1484_11 = api;

    var frame = document.createElement("iframe");
    frame.title = "Course";
    frame.name = "course";
    frame.src = launchUrl;
    document.getElementById("lms-stage").appendChild(frame);
    return new Promise(function (resolve) { frame.addEventListener("load", resolve, { once: true }); });
  };

  /* The learner's record (the "cmi" object) as the LMS holds it now, as plain JSON. */
  window.lmsCmi = function () {
    return JSON.parse(JSON.stringify(window.API_1484_11.renderCMIToJSONObject())).cmi;
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
