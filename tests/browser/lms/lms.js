/* What both test LMS pages share: scorm-again's run-time as the SCORM API object the SCO looks
   for, every call recorded in window.lmsLog, the SCO launched in an iframe the way an LMS
   player does. host12.js and host2004.js give what differs: the API, its name and methods,
   and the data the LMS hands over on launch. */
(function () {
  "use strict";

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

  /* host: {Api, name, recorded, launchData(previous, settings)} */
  window.lmsHost = function (host) {
    window.startLms = function (previous, launchUrl, settings) {
      var api = new host.Api({ autocommit: false, lmsCommitUrl: false, logLevel: 5 });
      api.loadFromJSON(host.launchData(previous, settings));
      host.recorded.forEach(function (method) { record(api, method); });
      window[host.name] = api;

      var frame = document.createElement("iframe");
      frame.title = "Course";
      frame.name = "course";
      frame.src = launchUrl;
      document.getElementById("lms-stage").appendChild(frame);
      return new Promise(function (resolve) {
        frame.addEventListener("load", resolve, { once: true });
      });
    };

    /* The learner's record (the "cmi" object) as the LMS holds it now, as plain JSON. */
    window.lmsCmi = function () {
      return JSON.parse(JSON.stringify(window[host.name].renderCMIToJSONObject())).cmi;
    };
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
