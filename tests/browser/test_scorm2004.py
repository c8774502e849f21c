"""The example course built for SCORM 2004 4th Edition, run by scorm-again's SCORM 2004
run-time (tests/browser/lms/host2004.html): progress, suspend and resume, the final
assessment failed and then passed, every data model element the course reports."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from .conftest import COURSE
from .quiz_driver import (DURATION_2004, TIMESTAMP_2004, QuizOnPage, duration_seconds,
                          expected_interaction, js_number, load_quiz_lesson, right, score,
                          wrong)

pytestmark = pytest.mark.browser

FINAL = "final-assessment"


@pytest.fixture(scope="module")
def final():
    return load_quiz_lesson(COURSE, FINAL)


@pytest.fixture
def package(build_package):
    return build_package(COURSE, "scorm2004")


def toc_link(lms, lesson_id: str):
    return lms.course.locator(f".cp-toc a[data-lesson='{lesson_id}']")


def next_lesson(lms, expected: str) -> None:
    lms.course.locator("#cp-next").click()
    assert lms.visible_lessons() == [expected]


def progress(visited: set, required: list[str]) -> str:
    """cmi.progress_measure: the share of required lessons visited, two decimals."""
    share = len(visited & set(required)) / len(required)
    return js_number(int(share * 100 + 0.5) / 100)


def assert_ended(lms, exit_value: str, nav_request: str, started: float) -> dict:
    """The session ended the SCORM 2004 way; returns the record the LMS keeps."""
    log = lms.log()
    terminates = [i for i, entry in enumerate(log) if entry[0] == "Terminate"]
    assert len(terminates) == 1 and terminates[0] == len(log) - 1, "Terminate not last, once"
    assert log[-1][2] == "true"
    refused = [e for e in log if e[0] in ("Initialize", "SetValue", "Commit", "Terminate")
               and e[2] != "true"]
    assert refused == [], f"the LMS refused calls: {refused}"
    assert lms.set_values("cmi.exit")[-1] == exit_value
    assert lms.set_values("adl.nav.request")[-1] == nav_request
    for sent in lms.set_between_commits():  # time and exit go with every commit
        assert {"cmi.session_time", "cmi.exit"} <= sent, sent
    sent = lms.set_values("cmi.session_time")
    assert sent and all(DURATION_2004.match(d) for d in sent), sent
    seconds = [duration_seconds(d) for d in sent]
    assert seconds == sorted(seconds), f"session_time went back: {sent}"
    assert 0 < seconds[-1] <= time.monotonic() - started + 0.05
    commits = [i for i, entry in enumerate(log) if entry[0] == "Commit"]
    exits = [i for i, e in enumerate(log) if e[0] == "SetValue" and e[1][0] == "cmi.exit"]
    assert exits[-1] < commits[-1] < terminates[0], "exit not committed before Terminate"
    cmi = lms.cmi()
    assert cmi["exit"] == exit_value
    return cmi


def check_interactions(lms, first: int, lesson, answers, shown_at: float, submitted_at: float,
                       window: tuple[datetime, datetime], prompts: dict) -> None:
    log = lms.log()
    written = [i for i, e in enumerate(log)
               if e[0] == "SetValue" and e[1][0].startswith("cmi.interactions.")]
    committed = [i for i, e in enumerate(log) if e[0] == "Commit" and e[2] == "true"]
    assert written and committed and committed[-1] > written[-1], "interactions not committed"
    held = lms.value("cmi.interactions")
    questions = lesson.quiz.questions
    assert len(held) == first + len(questions)
    for n, (q, answer) in enumerate(zip(questions, answers), start=first):
        record = held[str(n)]
        expected = expected_interaction("scorm2004", lesson.id, q, answer)
        assert {key: record.get(key) for key in expected} == expected, \
            f"cmi.interactions.{n} ({q.type} {q.id})"
        assert record["description"] == prompts[q.id][:250]
        assert DURATION_2004.match(record["latency"]), record["latency"]
        assert duration_seconds(record["latency"]) <= submitted_at - shown_at + 0.05
        assert TIMESTAMP_2004.match(record["timestamp"]), record["timestamp"]
        stamp = datetime.fromisoformat(record["timestamp"])
        assert window[0].replace(microsecond=0) <= stamp <= window[1], record["timestamp"]


def test_scorm2004_suspend_resume_fail_then_pass(package, lms_for, final):
    quiz, questions = final.quiz, final.quiz.questions
    data = package.data()
    lesson_ids = [p["id"] for p in data["lessons"]]
    required = [p["id"] for p in data["lessons"] if not p.get("optional")]
    assert data["assessment"] == FINAL and FINAL in required
    # The pass mark reaches the LMS as the primary objective's minimum normalized measure.
    assert float(package.scos[0].mastery) == quiz.pass_mark / 100

    # Session 1: the first lessons, then Exit unfinished.
    lms = lms_for(package)
    started = time.monotonic()
    lms.launch()
    assert lms.calls("Initialize") == [["Initialize", [""], "true"]]
    assert lms.value("cmi.entry") == "ab-initio"
    assert lms.value("cmi.scaled_passing_score") == package.scos[0].mastery
    visited = {lesson_ids[0]}
    for lesson in lesson_ids[1:3]:
        next_lesson(lms, lesson)
        visited.add(lesson)
        assert lms.value("cmi.location") == lesson
        assert lms.value("cmi.progress_measure") == progress(visited, required)
        assert lms.value("cmi.completion_status") == "incomplete"
        assert lms.value("cmi.success_status") == "unknown"
    assert lms.set_values("cmi.score.raw") == []
    lms.course.locator("#cp-exit").click()
    saved = assert_ended(lms, "suspend", "suspendAll", started)
    assert saved["location"] == lesson_ids[2]
    assert saved["suspend_data"]

    # Session 2: resumed where the learner left; every lesson, the final assessment failed.
    again = lms_for(package)
    started = time.monotonic()
    again.launch(previous=saved)
    assert again.value("cmi.entry") == "resume"
    assert again.visible_lessons() == [lesson_ids[2]]
    for lesson in lesson_ids:
        classes = (toc_link(again, lesson).get_attribute("class") or "").split()
        assert ("cp-visited" in classes) == (lesson in visited), lesson
    shown_at = None
    for lesson in lesson_ids[3:]:
        if lesson == FINAL:
            shown_at = time.monotonic()
        next_lesson(again, lesson)
        visited.add(lesson)
        assert again.value("cmi.location") == lesson
        assert again.value("cmi.progress_measure") == progress(visited, required)
        if lesson == FINAL:
            break
    assert again.value("cmi.completion_status") == "completed"
    assert again.value("cmi.progress_measure") == "1"

    page = QuizOnPage(again.course, FINAL, questions)
    prompts = {q.id: page.prompt(q) for q in questions}
    failing = [right(q) if i % 3 == 0 else wrong(q) for i, q in enumerate(questions)]
    failed_score = score(questions, failing)
    assert failed_score < quiz.pass_mark
    before = datetime.now()
    page.answer_all(failing)
    assert page.submit().startswith(f"You scored {js_number(failed_score)}%.")
    submitted_at = time.monotonic()
    check_interactions(again, 0, final, failing, shown_at, submitted_at,
                       (before, datetime.now()), prompts)
    score_held = again.value("cmi.score")
    assert score_held == {"scaled": js_number(round(failed_score / 100, 4)),
                          "raw": js_number(failed_score), "min": "0", "max": "100"}
    # Attempts are left: the course does not call it failed ...
    assert again.set_values("cmi.success_status")[-1] == "unknown"
    # ... and the score comes before the status the LMS may judge by it.
    order = [a[0] for m, a, _ in again.log() if m == "SetValue"]
    assert order.index("cmi.score.scaled") < len(order) - 1 - order[::-1].index(
        "cmi.success_status")

    again.course.locator("#cp-exit").click()
    # Completed, but the assessment is undecided: the attempt is suspended, not ended.
    saved = assert_ended(again, "suspend", "suspendAll", started)
    assert saved["completion_status"] == "completed"
    # The LMS's own verdict at Terminate: score.scaled under scaled_passing_score (RTE 4.2.22)
    assert saved["success_status"] == "failed"

    # Session 3: the answers and the used attempt are back; the learner passes.
    third = lms_for(package)
    started = time.monotonic()
    third.launch(previous=saved)
    assert third.value("cmi.entry") == "resume"
    assert third.visible_lessons() == [FINAL]
    page = QuizOnPage(third.course, FINAL, questions)
    assert page.shown_answers() == failing
    assert page.attempts_info() == f"Attempts left: {quiz.attempts - 1} of {quiz.attempts}."
    shown_at = time.monotonic()
    page.retry()
    before = datetime.now()
    page.answer_all([right(q) for q in questions])
    assert page.submit().startswith("You scored 100%.")
    submitted_at = time.monotonic()
    # The interactions the LMS kept from session 2 stay; this attempt's follow them.
    check_interactions(third, len(questions), final, [right(q) for q in questions], shown_at,
                       submitted_at, (before, datetime.now()), prompts)
    assert third.value("cmi.interactions.0.learner_response") == \
        saved["interactions"]["0"]["learner_response"]
    assert third.value("cmi.score") == {"scaled": "1", "raw": "100", "min": "0", "max": "100"}
    assert third.value("cmi.success_status") == "passed"
    assert third.value("cmi.completion_status") == "completed"
    assert third.value("cmi.progress_measure") == "1"

    third.course.locator("#cp-exit").click()
    final_record = assert_ended(third, "normal", "exitAll", started)
    assert final_record["success_status"] == "passed"
    assert final_record["completion_status"] == "completed"
    assert final_record["location"] == FINAL
