/* The SCORM 2004 test LMS (with lms.js): scorm-again's SCORM 2004 run-time as
   window.API_1484_11, and what it hands the SCO on launch. */
(function () {
  "use strict";

  var RECORDED = ["Initialize", "Terminate", "GetValue", "SetValue", "Commit",
                  "GetLastError", "GetErrorString", "GetDiagnostic"];

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

  window.lmsHost({ Api: window.Scorm2004API, name: "API_1484_11", recorded: RECORDED,
                   launchData: launchData });
}());
