"""The course under LMS faults: a scorm-again instance made to fail from the test (SetValue
refused, Commit refused, an error code after Commit, every method throwing, the API torn down
and replaced on the LMS page by a throwing object), for SCORM 1.2 and 2004.

Whatever the LMS does, the learner can go on (navigation, quizzes); the learner is told
plainly that progress may not have arrived; the progress is mirrored in localStorage under
"coursepack:COURSE:SCO:LEARNER"; and once the LMS answers again the runtime's retry (after
2 s, then 5, 10, 30, 60 s; at most 20 tries) delivers the location, suspend data and the
quiz's interactions, and the message goes. A relaunch against an LMS that lost the record
resumes from the mirror (for that learner only), and with no LMS at all the course runs from
localStorage.

The page clock is Playwright's (installed and paused), so the retry pauses take no real time.
What "reached the LMS" means here: the record as it was at the last Commit the LMS accepted
(window.committed, taken by a wrapper around the real Commit).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from .conftest import COURSE
from .quiz_driver import QuizOnPage, answer_in_page, load_quiz_lesson, right

pytestmark = pytest.mark.browser

CHECK = "module-1-check"
MESSAGE = "Your progress may not have reached the learning system"
START = datetime(2025, 3, 3, 9, 0, 0)
RETRY_PAUSES_MS = [2000, 5000, 10000, 30000] + [60000] * 16      # 20 tries

METHODS = {
    "scorm12": {"api": "API", "set": "LMSSetValue", "commit": "LMSCommit",
                "error": "LMSGetLastError",
                "all": ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
                        "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"]},
    "scorm2004": {"api": "API_1484_11", "set": "SetValue", "commit": "Commit",
                  "error": "GetLastError",
                  "all": ["Initialize", "Terminate", "GetValue", "SetValue", "Commit",
                          "GetLastError", "GetErrorString", "GetDiagnostic"]},
}

# What the LMS kept at each Commit it accepted: the record as it was then.
RECORD_COMMITS = """(m) => {
  const api = window[m.api], real = api[m.commit];
  window.committed = null;
  api[m.commit] = function () {
    const result = real.apply(api, arguments);
    if (String(result) === "true") {
      window.committed = JSON.parse(JSON.stringify(api.renderCMIToJSONObject())).cmi;
    }
    return result;
  };
}"""

# Faults, made on the LMS page the way an LMS (or the network behind it) fails.
START_FAULT = """([m, kind, v12]) => {
  const api = window[m.api], saved = {};
  window.lmsFault = { api: api, name: m.api, saved: saved };
  window.faultCalls = window.faultCalls || [];
  const swap = (method, replacement) => {
    saved[method] = api[method];
    api[method] = function () {
      window.faultCalls.push([method, Array.prototype.slice.call(arguments)]);
      return replacement.apply(this, arguments);
    };
  };
  const broken = () => { throw new Error("the LMS does not answer"); };
  if (kind === "set-refused") {                   // SetValue refused, with an error code
    swap(m.set, () => "false");
    swap(m.error, () => "351");
  } else if (kind === "commit-refused") {         // Commit says false
    swap(m.commit, () => "false");
  } else if (kind === "commit-error") {           // Commit says true, the error code says not
    swap(m.commit, () => "true");
    swap(m.error, () => v12 ? "101" : "391");
  } else if (kind === "throws" || kind === "api-gone") {
    m.all.forEach((method) => swap(method, broken));
  }
  if (kind === "api-gone" || kind === "api-replaced") {   // gone from window, replaced
    delete window[m.api];
    window[m.api] = new Proxy({}, { get() { throw new Error("the LMS API is gone"); } });
  }
}"""

END_FAULT = """() => {
  const f = window.lmsFault;
  Object.keys(f.saved).forEach((method) => { f.api[method] = f.saved[method]; });
  window[f.name] = f.api;
  window.lmsFault = null;
}"""

FAULTS = ["set-refused", "commit-refused", "commit-error", "throws", "api-gone"]


# ---------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def check_quiz():
    return load_quiz_lesson(COURSE, CHECK)


@pytest.fixture
def packages(build_package):
    def get(standard: str):
        return build_package(COURSE, standard)
    return get


def paused_clock(page) -> None:
    """Playwright's clock in every frame, paused: timers run only when the test says so.
    Installed at START, the clock runs until it is paused, so it is paused a little later:
    a time it may already have passed on a busy machine is refused ("Cannot fast-forward
    to the past"). The course is launched after this, so no timer of its is skipped."""
    page.clock.install(time=START)
    page.clock.pause_at(START + timedelta(seconds=10))


def lesson_ids(built) -> list[str]:
    return [p["id"] for p in built.data()["lessons"]]


def mirror_key(built, learner: str = "learner-1") -> str:
    data = built.data()
    return f"coursepack:{data['course']['id']}:{data['sco']}:{learner}"


def mirror(lms, built, learner: str = "learner-1") -> dict | None:
    return lms.frame.evaluate("(key) => JSON.parse(localStorage.getItem(key))",
                              mirror_key(built, learner))


def committed(lms) -> dict | None:
    return lms.page.evaluate("() => window.committed")


def location_of(record: dict, v12: bool) -> str:
    return record["core"]["lesson_location"] if v12 else record["location"]


def interaction_ids(record: dict) -> list[str]:
    held = record.get("interactions") or {}
    items = held.values() if isinstance(held, dict) else held
    return [item["id"] for item in items]


def status_text(lms) -> str:
    return lms.course.locator("#cp-status").inner_text().strip()


def assert_warned(lms) -> None:
    status = lms.course.locator("#cp-status")
    assert MESSAGE in status.inner_text() and status.is_visible(), status.inner_text()


def take_quiz(lms, quiz) -> None:
    lms.course.locator(f".cp-toc a[data-lesson='{CHECK}']").click()
    assert lms.visible_lessons() == [CHECK]
    questions = quiz.quiz.questions
    answer_in_page(lms.frame, CHECK, questions, [right(q) for q in questions])
    assert QuizOnPage(lms.course, CHECK, questions).submit().startswith("You scored 100%.")


def start_fault(lms, kind: str) -> None:
    lms.page.evaluate(START_FAULT, [METHODS[lms.standard], kind, lms.v12])


def end_fault(lms) -> None:
    lms.page.evaluate(END_FAULT)


def launch(lms_for, built, previous=None, lms=None):
    """An LMS session with a paused clock and the Commit recorder in place."""
    if lms is None:
        lms = lms_for(built)
        paused_clock(lms.page)
    lms.launch(previous)
    lms.page.evaluate(RECORD_COMMITS, METHODS[lms.standard])
    return lms


# ---------------------------------------------------------------- the faults

@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_course_rides_out_an_lms_fault(packages, lms_for, check_quiz, standard, fault):
    built = packages(standard)
    ids = lesson_ids(built)
    lms = launch(lms_for, built)
    lms.course.locator("#cp-next").click()
    assert lms.visible_lessons() == [ids[1]]
    assert status_text(lms) == ""

    start_fault(lms, fault)
    # The learner goes on: the next lesson, then the quiz, submitted and graded.
    lms.course.locator("#cp-next").click()
    assert lms.visible_lessons() == [ids[2]]
    assert_warned(lms)
    take_quiz(lms, check_quiz)
    assert lms.visible_lessons() == [CHECK]
    assert_warned(lms)
    assert lms.page.evaluate("() => window.faultCalls.length") > 0, "the fault was never met"

    # This browser holds what the LMS did not take.
    kept = mirror(lms, built)
    assert kept is not None, f"nothing under {mirror_key(built)} in localStorage"
    before = committed(lms)
    assert before is not None and location_of(before, lms.v12) == ids[1]
    assert interaction_ids(before) == []
    assert kept["location"] == CHECK
    assert kept["suspend"] and kept["suspend"] != before["suspend_data"]

    # The LMS answers again: the next try (2 s after the first failure) delivers it all.
    end_fault(lms)
    lms.page.clock.run_for(RETRY_PAUSES_MS[0])
    after = committed(lms)
    assert location_of(after, lms.v12) == CHECK
    assert after["suspend_data"] == kept["suspend"]
    assert interaction_ids(after) == [f"{CHECK}_{q.id}" for q in check_quiz.quiz.questions]
    assert status_text(lms) == ""

    # And the session ends normally.
    lms.course.locator("#cp-exit").click()
    assert status_text(lms).startswith("Your progress has been saved.")
    record = lms.cmi()
    assert location_of(record, lms.v12) == CHECK
    assert (record["core"]["exit"] if lms.v12 else record["exit"]) == "suspend"


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_api_replaced_on_the_lms_page(packages, lms_for, check_quiz, standard):
    """window.API(_1484_11) deleted and replaced by a throwing object while the instance the
    course found at launch still answers: the session goes on with that instance (SCORM finds
    the API once, at launch), and nothing is lost."""
    built = packages(standard)
    lms = launch(lms_for, built)
    start_fault(lms, "api-replaced")
    lms.course.locator("#cp-next").click()
    take_quiz(lms, check_quiz)
    assert status_text(lms) == ""
    held = committed(lms)
    assert location_of(held, lms.v12) == CHECK
    assert held["suspend_data"] == mirror(lms, built)["suspend"]
    assert interaction_ids(held) == [f"{CHECK}_{q.id}" for q in check_quiz.quiz.questions]
    end_fault(lms)


def test_warning_is_seen_without_scrolling(packages, lms_for):
    """The request to keep the window open is at the top of the page, under the header, where
    the learner sees it without scrolling, and still a status message for screen readers."""
    lms = launch(lms_for, packages("scorm12"))
    start_fault(lms, "commit-refused")
    lms.course.locator("#cp-next").click()
    assert_warned(lms)
    status = lms.course.locator("#cp-status")
    assert status.get_attribute("role") == "status"
    assert status.evaluate("el => { const r = el.getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    end_fault(lms)


def test_retries_pause_longer_each_time_and_stop_after_twenty(packages, lms_for):
    built = packages("scorm12")
    ids = lesson_ids(built)
    lms = launch(lms_for, built)
    start_fault(lms, "commit-refused")
    lms.course.locator("#cp-next").click()

    def commits() -> int:
        return lms.page.evaluate("() => window.faultCalls.filter(c => c[0] === 'LMSCommit')"
                                 ".length")

    assert commits() == 1
    for n, pause in enumerate(RETRY_PAUSES_MS, start=2):
        lms.page.clock.run_for(pause - 1)
        assert commits() == n - 1, f"try {n - 1} came early (before {pause} ms)"
        lms.page.clock.run_for(1)
        assert commits() == n, f"try {n - 1} did not come after {pause} ms"
    lms.page.clock.run_for(10 * 60_000)
    assert commits() == 1 + len(RETRY_PAUSES_MS), "more than 20 tries"
    assert_warned(lms)
    # The course still works, and the mirror still follows the learner.
    lms.course.locator("#cp-next").click()
    assert lms.visible_lessons() == [ids[2]]
    assert mirror(lms, built)["location"] == ids[2]
    # When the LMS is back, the next save delivers and clears the message.
    end_fault(lms)
    lms.course.locator("#cp-next").click()
    assert location_of(committed(lms), True) == ids[3]
    assert status_text(lms) == ""


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_exit_before_the_retry_still_delivers_the_answers(packages, lms_for, check_quiz,
                                                          standard):
    """The quiz was submitted while SetValue failed; the LMS is back, and the learner exits
    before the next try: the answers kept for the LMS go with the exit."""
    built = packages(standard)
    lms = launch(lms_for, built)
    start_fault(lms, "set-refused")
    take_quiz(lms, check_quiz)
    assert_warned(lms)
    end_fault(lms)
    lms.course.locator("#cp-exit").click()
    assert status_text(lms).startswith("Your progress has been saved.")
    record = lms.cmi()
    assert location_of(record, lms.v12) == CHECK
    assert interaction_ids(record) == [f"{CHECK}_{q.id}" for q in check_quiz.quiz.questions]
    lms.page.clock.run_for(sum(RETRY_PAUSES_MS))
    assert len(interaction_ids(lms.cmi())) == len(check_quiz.quiz.questions)


# The LMS refuses some interaction values: those matching `permanent` with a data model error
# (SCORM 1.2 405, 2004 406: the value will never be taken), those matching `transient` with a
# general failure while window.transientFault is set. Every SetValue is counted by element.
REFUSE_VALUES = """([m, permanent, transient]) => {
  const api = window[m.api], set = api[m.set], error = api[m.error];
  let code = null;
  window.transientFault = true;
  window.setCounts = {};
  api[m.set] = function (key) {
    window.setCounts[key] = (window.setCounts[key] || 0) + 1;
    code = new RegExp(permanent).test(key) ? (m.api === "API" ? "405" : "406")
         : window.transientFault && new RegExp(transient).test(key) ? "101" : null;
    return code ? "false" : set.apply(api, arguments);
  };
  api[m.error] = function () { return code || error.apply(api, arguments); };
}"""


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_refused_answers_are_recorded_once(packages, lms_for, check_quiz, standard):
    """One attempt, one interaction record per question, whatever the LMS refuses: a value it
    refuses for good is not sent again, one it refused for the moment is sent again in its
    place, and nothing else is written twice."""
    built = packages(standard)
    lms = launch(lms_for, built)
    lms.page.evaluate(REFUSE_VALUES, [METHODS[standard], r"^cmi\.interactions\.0\.latency$",
                                      r"^cmi\.interactions\.1\.result$"])
    take_quiz(lms, check_quiz)
    assert_warned(lms)
    lms.page.evaluate("() => { window.transientFault = false; }")
    lms.page.clock.run_for(RETRY_PAUSES_MS[0])
    assert status_text(lms) == ""
    ids = [f"{CHECK}_{q.id}" for q in check_quiz.quiz.questions]
    held = committed(lms)
    assert interaction_ids(held) == ids
    assert held["interactions"]["1"]["result"] == "correct"
    assert held["interactions"]["0"]["latency"] in ("", "PT0S", "00:00:00")  # never taken
    lms.page.clock.run_for(sum(RETRY_PAUSES_MS))
    lms.course.locator("#cp-next").click()
    lms.course.locator("#cp-exit").click()
    assert interaction_ids(lms.cmi()) == ids
    counts = lms.page.evaluate("() => window.setCounts")
    assert counts["cmi.interactions.0.latency"] == 1
    assert counts["cmi.interactions.1.result"] == 2
    assert all(counts[f"cmi.interactions.{n}.id"] == 1 for n in range(len(ids)))


def test_a_refused_status_is_sent_again(packages, lms_for):
    """SCORM 1.2 sends lesson_status only when it changes: a status the LMS refused must not
    count as sent, or "completed" never reaches the LMS."""
    built = packages("scorm12")
    ids = lesson_ids(built)
    lms = launch(lms_for, built)
    assert lms.core("lesson_status") == "incomplete"
    start_fault(lms, "set-refused")
    for _ in ids[1:]:                   # every lesson visited: the completion rule is met
        lms.course.locator("#cp-next").click()
    assert lms.visible_lessons() == [ids[-1]]
    assert_warned(lms)
    end_fault(lms)
    lms.page.clock.run_for(RETRY_PAUSES_MS[0])
    assert status_text(lms) == ""
    assert committed(lms)["core"]["lesson_status"] == "completed"
    lms.course.locator("#cp-exit").click()
    assert lms.core("lesson_status") == "completed"


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_exit_while_the_lms_fails(packages, lms_for, check_quiz, standard):
    built = packages(standard)
    ids = lesson_ids(built)
    lms = launch(lms_for, built)
    start_fault(lms, "throws")
    lms.course.locator("#cp-next").click()
    lms.course.locator("#cp-exit").click()
    assert status_text(lms) == \
        "You have left the course. Your progress may not have been recorded."
    assert mirror(lms, built)["location"] == ids[1]
    lms.page.clock.run_for(sum(RETRY_PAUSES_MS))     # no tries after the learner left
    assert lms.page.evaluate("() => window.faultCalls.filter(c => /Commit/.test(c[0])).length") \
        == 2, "the course kept calling a session it had ended"


# The LMS's Initialize says "false" (error 101) while window.initRefused is set: an LMS whose
# session is not ready yet (an expired login, the attempt open in another tab).
REFUSE_INIT = """if (window === window.top) {
  window.initRefused = true;
  [["API", "LMSInitialize", "LMSGetLastError"], ["API_1484_11", "Initialize", "GetLastError"]]
    .forEach(([name, init, error]) => {
      let api;
      Object.defineProperty(window, name, { configurable: true, get: () => api, set: (v) => {
        const start = v[init], last = v[error];
        v[init] = function () { return window.initRefused ? "false" : start.apply(v, arguments); };
        v[error] = function () { return window.initRefused ? "101" : last.apply(v, arguments); };
        api = v;
      } });
    });
}"""


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_an_lms_that_starts_late(packages, lms_for, standard):
    """The API is there but Initialize fails: the learner is told progress is not reaching
    the LMS, and the start is tried again with each retry. Once it succeeds, the LMS gets this
    session's progress together with what it held from before."""
    built = packages(standard)
    ids = lesson_ids(built)
    first = launch(lms_for, built)
    first.course.locator("#cp-next").click()
    first.course.locator("#cp-exit").click()
    before = first.cmi()                        # lessons 0 and 1 visited

    lms = lms_for(built)
    paused_clock(lms.page)
    lms.page.add_init_script(REFUSE_INIT)
    launch(lms_for, built, previous=before, lms=lms)
    assert_warned(lms)
    assert lms.course.locator("#cp-exit").is_hidden()
    lms.course.locator(f".cp-toc a[data-lesson='{ids[3]}']").click()
    assert_warned(lms)
    assert committed(lms) is None

    lms.page.evaluate("() => { window.initRefused = false; }")
    lms.page.clock.run_for(RETRY_PAUSES_MS[0])
    assert status_text(lms) == ""
    assert location_of(committed(lms), lms.v12) == ids[3]
    visited = lms.frame.evaluate(
        "() => [...document.querySelectorAll('.cp-toc a.cp-visited')].map(a => a.dataset.lesson)")
    assert visited == [ids[0], ids[1], ids[3]]
    assert lms.course.locator("#cp-exit").is_visible()
    lms.course.locator("#cp-exit").click()
    assert status_text(lms).startswith("Your progress has been saved.")
    again = launch(lms_for, built, previous=lms.cmi())      # a browser without the mirror
    assert again.visible_lessons() == [ids[3]]
    assert again.frame.evaluate("() => document.querySelectorAll('.cp-toc a.cp-visited')"
                                ".length") == 3


# ---------------------------------------------------------------- relaunch

@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_relaunch_against_an_lms_that_lost_the_record(packages, lms_for, check_quiz,
                                                      standard):
    built = packages(standard)
    ids = lesson_ids(built)
    lms = launch(lms_for, built)
    lms.course.locator("#cp-next").click()
    take_quiz(lms, check_quiz)
    lms.course.locator("#cp-exit").click()
    kept = mirror(lms, built)
    assert kept["location"] == CHECK

    # Same browser, same learner; the LMS hands back nothing at all.
    again = launch(lms_for, built, lms=lms)
    assert again.visible_lessons() == [CHECK]
    visited = again.frame.evaluate(
        "() => [...document.querySelectorAll('.cp-toc a.cp-visited')].map(a => a.dataset.lesson)")
    assert visited == [ids[0], ids[1], CHECK]
    quiz = QuizOnPage(again.course, CHECK, check_quiz.quiz.questions)
    assert quiz.result().startswith("You scored 100%.")
    assert quiz.shown_answers() == [right(q) for q in check_quiz.quiz.questions]
    # ... and the LMS gets the record back.
    assert location_of(again.cmi(), again.v12) == CHECK
    assert again.cmi()["suspend_data"] == mirror(again, built)["suspend"]

    # Another learner on this browser starts afresh: the mirror is per learner.
    other = {"core": {"student_id": "learner-2"}} if again.v12 else {"learner_id": "learner-2"}
    third = launch(lms_for, built, previous=other, lms=again)
    assert third.visible_lessons() == [ids[0]]
    assert third.frame.evaluate("() => document.querySelectorAll('.cp-toc a.cp-visited')"
                                ".length") == 1
    assert mirror(third, built, "learner-2")["location"] == ids[0]
    assert mirror(third, built)["location"] == CHECK


def test_the_lms_record_wins_over_the_mirror(packages, lms_for):
    """The mirror is a fallback: when the LMS hands back a place, the course starts there."""
    built = packages("scorm12")
    ids = lesson_ids(built)
    lms = launch(lms_for, built)
    for _ in range(3):
        lms.course.locator("#cp-next").click()
    assert mirror(lms, built)["location"] == ids[3]
    again = launch(lms_for, built, lms=lms,
                   previous={"core": {"lesson_location": ids[1], "exit": "suspend"}})
    assert again.visible_lessons() == [ids[1]]


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_no_lms_runs_from_local_storage(packages, new_page, site, standard):
    built = packages(standard)
    ids = lesson_ids(built)
    data = built.data()
    page = new_page()
    page.goto(site.url(built.path(built.launches[0])))
    page.locator("body.cp-js").wait_for(state="attached")
    assert page.evaluate("() => window.coursepack.store") == "local"
    assert page.locator("#cp-exit").is_hidden()
    page.locator("#cp-next").click()
    page.locator("#cp-next").click()
    key = f"coursepack:{data['course']['id']}:{data['sco']}"
    saved = page.evaluate("(key) => JSON.parse(localStorage.getItem(key))", key)
    assert saved["location"] == ids[2]
    page.reload()
    page.locator("body.cp-js").wait_for(state="attached")
    shown = page.evaluate("() => [...document.querySelectorAll('article.cp-lesson')]"
                          ".filter(a => !a.hidden).map(a => a.dataset.lesson)")
    assert shown == [ids[2]]
    assert page.locator("#cp-status").inner_text().strip() == ""
