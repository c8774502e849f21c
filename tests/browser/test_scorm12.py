"""The built SCORM 1.2 package run by a real LMS run-time (scorm-again) in Chromium."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

SESSION_TIME = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")


# ---------------------------------------------------------------- helpers

def timespan_seconds(value: str) -> float:
    """A CMITimespan as seconds (the LMS may store "00:00:00.50" as "00:00:00.5")."""
    hours, minutes, seconds = value.split(":")
    return round(int(hours) * 3600 + int(minutes) * 60 + float(seconds), 2)


def show_via_next(lms, expected: str) -> None:
    lms.course.locator("#cp-next").click()
    assert lms.visible_lessons() == [expected]


def toc_link(lms, lesson_id: str):
    return lms.course.locator(f".cp-toc a[data-lesson='{lesson_id}']")


def set_values(lms, element: str) -> list[str]:
    """Values the course sent for one CMI element, in order."""
    return [args[1] for method, args, _ in lms.log()
            if method == "LMSSetValue" and args[0] == element]


def assert_no_refused_calls(lms) -> None:
    refused = [entry for entry in lms.log()
               if entry[0] in ("LMSInitialize", "LMSFinish", "LMSSetValue", "LMSCommit")
               and entry[2] != "true"]
    assert refused == [], f"the LMS refused calls: {refused}"


def assert_nothing_after_finish(lms) -> None:
    log = lms.log()
    finishes = [i for i, entry in enumerate(log) if entry[0] == "LMSFinish"]
    assert len(finishes) == 1, f"LMSFinish called {len(finishes)} times"
    assert log[finishes[0] + 1:] == [], f"API calls after LMSFinish: {log[finishes[0] + 1:]}"


def assert_every_commit_carries_time_and_exit(lms) -> None:
    """Each commit sends the session's time so far and its exit, so that a session the
    browser ends without LMSFinish still counts its time and keeps the attempt."""
    for sent in lms.set_between_commits():
        assert {"cmi.core.session_time", "cmi.core.exit"} <= sent, sent


def assert_finished(lms, exit_value: str) -> None:
    """The session ended the SCORM 1.2 way: times and exit set, committed, LMSFinish once."""
    assert_nothing_after_finish(lms)
    assert_every_commit_carries_time_and_exit(lms)
    sent_times = set_values(lms, "cmi.core.session_time")
    assert all(SESSION_TIME.match(t) for t in sent_times), sent_times
    seconds = [timespan_seconds(t) for t in sent_times]
    assert seconds == sorted(seconds), f"session_time went back: {sent_times}"
    assert set_values(lms, "cmi.core.exit")[-1] == exit_value
    core = lms.cmi()["core"]
    assert timespan_seconds(core["session_time"]) == seconds[-1]
    assert SESSION_TIME.match(core["session_time"])
    assert core["exit"] == exit_value
    commits = lms.calls("LMSCommit")
    assert commits and all(result == "true" for _, _, result in commits), commits
    log = lms.log()
    last_commit = max(i for i, entry in enumerate(log) if entry[0] == "LMSCommit")
    last_exit_set = max(i for i, entry in enumerate(log)
                        if entry[0] == "LMSSetValue" and entry[1][0] == "cmi.core.exit")
    assert last_exit_set < last_commit < len(log) - 1, "exit not committed before LMSFinish"
    assert_no_refused_calls(lms)


@pytest.fixture
def exit_when_all_visited(course_data) -> str:
    """cmi.core.exit once every lesson has been visited: "" (finished) for a course without an
    assessment; "suspend" while the course's assessment is still to be passed or failed."""
    return "suspend" if course_data.get("assessment") else ""


# ---------------------------------------------------------------- first launch

def test_first_launch_to_completion_and_exit(lms, lesson_ids, required_ids, needed,
                                             exit_when_all_visited):
    lms.launch()
    assert lms.calls("LMSInitialize") == [["LMSInitialize", [""], "true"]]
    assert lms.core("lesson_status") == "incomplete"
    assert lms.core("lesson_location") == lesson_ids[0]
    assert lms.visible_lessons() == [lesson_ids[0]]
    assert lms.course.locator("#cp-exit").is_visible()
    assert lms.course.locator("#cp-prev").is_disabled()

    commits = len(lms.calls("LMSCommit"))
    visited = {lesson_ids[0]}
    for index in range(1, len(lesson_ids)):
        wanted = lesson_ids[index]
        if index == 2:
            toc_link(lms, wanted).click()
            assert lms.visible_lessons() == [wanted]
        else:
            show_via_next(lms, wanted)
        assert toc_link(lms, wanted).get_attribute("aria-current") == "page"
        assert lms.core("lesson_location") == wanted
        now = len(lms.calls("LMSCommit"))
        assert now > commits, f"no LMSCommit after navigating to {wanted}"
        commits = now
        visited.add(wanted)
        done = len(visited & set(required_ids)) >= needed
        assert lms.core("lesson_status") == ("completed" if done else "incomplete"), \
            f"after lesson {wanted}"

    assert lms.course.locator("#cp-next").is_disabled()
    assert lms.core("lesson_status") == "completed"
    assert set_values(lms, "cmi.core.lesson_status") == ["incomplete", "completed"]
    assert lms.calls("LMSFinish") == []

    lms.course.locator("#cp-exit").click()
    assert_finished(lms, exit_value=exit_when_all_visited)
    assert lms.cmi()["core"]["lesson_status"] == "completed"
    assert lms.cmi()["core"]["lesson_location"] == lesson_ids[-1]
    assert lms.course.locator("#cp-status").inner_text().strip() != ""

    # Nothing more reaches the LMS after LMSFinish: not navigation (the pager is gone; a script
    # still presses it), not the frame going away.
    assert lms.course.locator("#cp-prev").is_hidden()
    lms.frame.evaluate("() => document.getElementById('cp-prev').click()")
    lms.unload()
    assert_nothing_after_finish(lms)


def test_exit_ends_the_course_where_the_learner_sees_it(lms, lesson_ids):
    """After Exit course nothing is left to open or answer that the LMS would not receive (no
    pass shown that was never recorded), and the message is on screen with the focus, next
    to the button."""
    lms.launch()
    toc_link(lms, "final-assessment").click()
    lms.course.locator("#cp-exit").click()
    status = lms.course.locator("#cp-status")
    assert status.inner_text().startswith("Your progress has been saved.")
    assert status.evaluate("el => el === document.activeElement")
    assert status.evaluate("el => { const r = el.getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    for gone in (".cp-toc", ".cp-main", "#quiz-final-assessment .cp-quiz-submit", "#cp-next"):
        assert lms.course.locator(gone).is_hidden(), gone
    assert lms.course.locator("#cp-exit").is_disabled()


# ---------------------------------------------------------------- resume

def test_resume_where_the_learner_left(lms, make_lms, lesson_ids, required_ids):
    lms.launch()
    show_via_next(lms, lesson_ids[1])
    show_via_next(lms, lesson_ids[2])
    lms.course.locator("#cp-exit").click()
    assert_finished(lms, exit_value="suspend")
    saved = lms.cmi()
    assert saved["core"]["lesson_location"] == lesson_ids[2]
    assert saved["core"]["lesson_status"] == "incomplete"
    assert saved["suspend_data"], "visited lessons were not saved"

    again = make_lms().launch(previous=saved)
    assert again.page.evaluate("() => window.API.cmi.core.entry") == "resume"
    assert again.calls("LMSInitialize") == [["LMSInitialize", [""], "true"]]
    assert again.visible_lessons() == [lesson_ids[2]]
    for index, lesson in enumerate(lesson_ids):
        classes = toc_link(again, lesson).get_attribute("class") or ""
        assert ("cp-visited" in classes.split()) == (index <= 2), f"TOC mark of {lesson}"
    assert toc_link(again, lesson_ids[2]).get_attribute("aria-current") == "page"
    assert again.course.locator("#cp-progress-text").inner_text().startswith(
        f"3 of {len(required_ids)} ")
    assert again.core("lesson_status") == "incomplete"
    assert set_values(again, "cmi.core.lesson_status") == []

    show_via_next(again, lesson_ids[3])
    assert again.core("lesson_status") == "incomplete"
    again.course.locator("#cp-exit").click()
    assert_finished(again, exit_value="suspend")
    assert again.cmi()["core"]["lesson_location"] == lesson_ids[3]


def test_relaunch_after_completion_keeps_completed(lms, make_lms, lesson_ids,
                                                  exit_when_all_visited):
    lms.launch()
    for lesson in lesson_ids[1:]:
        show_via_next(lms, lesson)
    lms.course.locator("#cp-exit").click()
    saved = lms.cmi()
    assert saved["core"]["lesson_status"] == "completed"

    again = make_lms().launch(previous=saved)
    assert again.visible_lessons() == [lesson_ids[-1]]
    toc_link(again, lesson_ids[0]).click()
    assert again.visible_lessons() == [lesson_ids[0]]
    assert again.core("lesson_status") == "completed"
    assert set_values(again, "cmi.core.lesson_status") == []
    again.course.locator("#cp-exit").click()
    assert_finished(again, exit_value=exit_when_all_visited)


def test_only_required_lessons_count_towards_completion(lms, lesson_ids, required_ids, needed):
    """Optional pages (such as References) are shown and remembered but never complete the
    course; it completes when the needed number of required lessons has been visited."""
    assert 0 < needed <= len(required_ids)
    optional = [lesson for lesson in lesson_ids if lesson not in required_ids]
    lms.launch()
    first = lesson_ids[0]
    almost = [first] + [lesson for lesson in required_ids if lesson != first][:needed - 2]
    for lesson in optional + almost:
        toc_link(lms, lesson).click()
        assert lms.visible_lessons() == [lesson]
        assert lms.core("lesson_status") == "incomplete", f"completed after {lesson}"
    progress = lms.course.locator("#cp-progress-text").inner_text()
    assert progress.startswith(f"{len(set(almost))} of {len(required_ids)} "), progress
    last = next(lesson for lesson in required_ids if lesson not in almost)
    toc_link(lms, last).click()
    assert lms.core("lesson_status") == "completed"
    assert set_values(lms, "cmi.core.lesson_status") == ["incomplete", "completed"]


# ---------------------------------------------------------------- the LMS closes the SCO

@pytest.mark.parametrize("how", ["navigate-frame", "remove-frame"])
def test_pagehide_finishes_the_session(lms, lesson_ids, how):
    lms.launch()
    show_via_next(lms, lesson_ids[1])
    assert lms.calls("LMSFinish") == []
    if how == "navigate-frame":
        lms.unload()
    else:
        lms.page.evaluate("() => document.querySelector(\"iframe[title='Course']\").remove()")
    lms.page.wait_for_function(
        "() => window.lmsLog.some(entry => entry[0] === 'LMSFinish')", timeout=5_000)
    assert_finished(lms, exit_value="suspend")
    core = lms.cmi()["core"]
    assert core["lesson_location"] == lesson_ids[1]
    assert core["lesson_status"] == "incomplete"


def test_a_session_ended_without_a_word_keeps_its_time_and_place(lms, lesson_ids):
    """A phone closes the tab and no pagehide arrives: what the last commit sent already
    holds the session's time and exit "suspend", so the LMS keeps the attempt."""
    lms.launch()
    lms.page.wait_for_timeout(1_100)
    show_via_next(lms, lesson_ids[1])
    assert lms.calls("LMSFinish") == []
    assert_every_commit_carries_time_and_exit(lms)
    core = lms.cmi()["core"]
    assert core["exit"] == "suspend" and core["lesson_location"] == lesson_ids[1]
    assert SESSION_TIME.match(core["session_time"])
    assert timespan_seconds(core["session_time"]) >= 1.0


# ---------------------------------------------------------------- the network guard itself

def test_requests_leaving_localhost_are_blocked(lms, guard, launch_href):
    lms.launch()
    # The course frame's own requests pass through the guard too.
    assert lms.site.url("/pkg/" + launch_href) in guard.allowed
    assert any(url.endswith("/pkg/runtime/coursepack.js") for url in guard.allowed)
    outcome = lms.page.evaluate(
        "() => fetch('http://192.0.2.1/beacon').then(() => 'reached', () => 'blocked')")
    assert outcome == "blocked"
    assert guard.outside == ["GET http://192.0.2.1/beacon"]
    guard.outside.clear()
    guard.errors[:] = [e for e in guard.errors if "192.0.2.1" not in e]


# ---------------------------------------------------------------- keyboard and small screens

def test_keyboard_only_next(make_lms, lesson_ids):
    lms = make_lms(reduced_motion="no-preference")
    lms.launch()
    reached = False
    for _ in range(40):
        lms.page.keyboard.press("Tab")
        if lms.frame.evaluate("() => document.activeElement && document.activeElement.id") \
                == "cp-next":
            reached = True
            break
    assert reached, "Tab never reached the Next button"
    lms.page.keyboard.press("Enter")
    assert lms.visible_lessons() == [lesson_ids[1]]
    focused = lms.frame.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.closest('article')"
        " && document.activeElement.closest('article').dataset.lesson]")
    assert focused == ["H1", lesson_ids[1]]
    assert lms.core("lesson_location") == lesson_ids[1]

    # Focus is at the top of the new lesson, so the next Tab walks on from its heading
    # into that lesson (or, with nothing focusable in it, to the pager).
    lms.page.keyboard.press("Tab")
    assert lms.frame.evaluate(
        """(lesson) => {
             const heading = document.querySelector(`#lesson-${lesson} h1`);
             const active = document.activeElement;
             const after = heading.compareDocumentPosition(active)
                           & Node.DOCUMENT_POSITION_FOLLOWING;
             return !!after && !!(active.closest(`#lesson-${lesson}`)
                                  || active.closest('#cp-pager'));
           }""", lesson_ids[1]), "Tab after Next did not continue from the new lesson"


def test_small_screen_360(make_lms, lesson_ids):
    lms = make_lms(viewport={"width": 360, "height": 740}, has_touch=True)
    lms.launch()
    for index, lesson in enumerate(lesson_ids):
        if index:
            show_via_next(lms, lesson)
        widths = lms.frame.evaluate(
            "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]")
        assert widths[0] == 360, f"course frame is {widths[0]} px wide, expected 360"
        assert widths[1] <= 360, f"horizontal scroll on {lesson}: scrollWidth {widths[1]}"
        button = lms.course.locator("#cp-next")
        button.scroll_into_view_if_needed()
        assert button.is_visible()
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert lms.page.evaluate("() => document.documentElement.scrollWidth") <= 360
