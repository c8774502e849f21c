/* coursepack interactive transcript: follows the video, seeks on click or Enter, searches.
   The transcript is plain HTML that reads fine without this script. */
(function () {
  "use strict";

  function setWords(span, text, query) {
    while (span.firstChild) { span.removeChild(span.firstChild); }
    if (!query) { span.appendChild(document.createTextNode(text)); return; }
    var lower = text.toLowerCase(), at = 0, hit;
    while ((hit = lower.indexOf(query, at)) >= 0) {
      span.appendChild(document.createTextNode(text.slice(at, hit)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(hit, hit + query.length);
      span.appendChild(mark);
      at = hit + query.length;
    }
    span.appendChild(document.createTextNode(text.slice(at)));
  }

  function setUp(list) {
    var video = document.getElementById(list.getAttribute("data-video"));
    if (!video) { return; }
    var items = [].slice.call(list.querySelectorAll(".cp-cue"));
    var cues = items.map(function (li) {
      var words = li.querySelector(".cp-cue-words");
      return { li: li, start: Number(li.getAttribute("data-start")),
               end: Number(li.getAttribute("data-end")), words: words,
               text: words ? words.textContent : "" };
    });
    var active = null;

    function activate(cue) {
      if (cue === active) { return; }
      if (active) { active.li.classList.remove("cp-cue-active"); active.li.removeAttribute("aria-current"); }
      active = cue;
      if (!cue) { return; }
      cue.li.classList.add("cp-cue-active");
      cue.li.setAttribute("aria-current", "true");
      var top = cue.li.offsetTop - list.offsetTop;
      if (top < list.scrollTop || top + cue.li.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTop = Math.max(0, top - list.clientHeight / 3);
      }
    }

    function cueAt(ms) {
      for (var i = cues.length - 1; i >= 0; i--) {
        if (ms >= cues[i].start && ms < cues[i].end) { return cues[i]; }
      }
      return null;
    }

    function follow() { activate(cueAt(video.currentTime * 1000)); }
    video.addEventListener("timeupdate", follow);
    video.addEventListener("seeked", follow);

    /* A click on a part goes to its time; its "Play from" button plays from there too. */
    list.addEventListener("click", function (event) {
      if (event.target.closest("a")) { return; }
      var cue = cues[items.indexOf(event.target.closest(".cp-cue"))];
      if (!cue) { return; }
      video.currentTime = cue.start / 1000;
      activate(cue);
      if (event.target.closest(".cp-cue-time")) {
        var playing = video.play();
        if (playing) { playing.catch(function () { /* the browser may refuse to autoplay */ }); }
      }
    });

    var tools = list.parentNode.querySelector(".cp-transcript-tools");
    var search = tools && tools.querySelector(".cp-transcript-search");
    var count = tools && tools.querySelector(".cp-transcript-count");
    if (!search) { return; }
    tools.hidden = false;
    search.addEventListener("input", function () {
      var query = search.value.trim().toLowerCase(), shown = 0;
      cues.forEach(function (cue) {
        var match = !query || cue.text.toLowerCase().indexOf(query) >= 0;
        cue.li.hidden = !match;
        if (match) { shown++; }
        if (cue.words) { setWords(cue.words, cue.text, match ? query : ""); }
      });
      count.textContent = query ? shown + " of " + cues.length + " parts match" : "";
    });
  }

  var lists = document.querySelectorAll(".cp-cues[data-video]");
  for (var i = 0; i < lists.length; i++) { setUp(lists[i]); }

  /* Captions are on from the start (what `default` would do), except for a page opened from
     the file system: Chromium refuses to load any text track from a file: URL, so there the
     transcript beside the video stands in for them. */
  if (location.protocol !== "file:") {
    var tracks = document.querySelectorAll("video track[data-cp-default]");
    for (var t = 0; t < tracks.length; t++) {
      if (tracks[t].track) { tracks[t].track.mode = "showing"; }
    }
  }
})();
