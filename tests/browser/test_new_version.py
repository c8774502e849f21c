"""A new version of a course, published over the old one in the LMS (lesson, quiz and question
ids unchanged, a lesson and a quiz added, a question added to a quiz): the learner's record is
kept by id. Visited lessons stay visited, each quiz keeps its own attempts and scores (never
another quiz's), a quiz whose questions changed keeps its attempts and best score but opens
for a new attempt, and a status the LMS holds (passed) is never lowered. A record written
before records were kept by id is still read.

The courses are written here and built for SCORM 1.2 and 2004; scorm-again is the LMS."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .quiz_driver import QuizOnPage, load_quiz_lesson

pytestmark = pytest.mark.browser

EXAM = {"title": "Exam", "pass_mark": 50, "attempts": 2, "questions": [
    {"id": "one", "type": "true-false", "prompt": "One is one.", "answer": True},
    {"id": "two", "type": "true-false", "prompt": "Two is three.", "answer": False}]}
PRACTICE = {"title": "Practice", "questions": [
    {"id": "sky", "type": "true-false", "prompt": "The sky is green.", "answer": False},
    {"id": "sea", "type": "true-false", "prompt": "The sea is wet.", "answer": True}]}
WARMUP = {"title": "Warm-up", "questions": [
    {"id": "easy", "type": "true-false", "prompt": "Easy?", "answer": True}]}


def write_version(folder: Path, version: int) -> Path:
    """Version 1: welcome, more | practice, exam. Version 2 adds the lesson `new` and the quiz
    `warmup` at the start of each module, and a question at the start of `practice`."""
    (folder / "quizzes").mkdir(parents=True)
    first = ["welcome.md", "more.md"]
    second = ["quizzes/practice.yaml", "quizzes/exam.yaml"]
    practice = dict(PRACTICE)
    if version == 2:
        first.insert(0, "new.md")
        second.insert(0, "quizzes/warmup.yaml")
        practice["questions"] = [{"id": "sun", "type": "true-false", "prompt": "The sun is hot.",
                                  "answer": True}, *PRACTICE["questions"]]
    course = {"id": "versioned", "title": "Versioned", "language": "en",
              "version": f"{version}.0",
              "completion": {"rule": "all-lessons", "assessment": "exam"},
              "modules": [{"id": "m1", "title": "First", "lessons": first},
                          {"id": "m2", "title": "Second", "lessons": second}]}
    (folder / "course.yaml").write_text(yaml.safe_dump(course), encoding="utf-8")
    for name in ("welcome", "more", "new"):
        (folder / f"{name}.md").write_text(f"---\ntitle: {name.title()}\n---\nText.\n",
                                           encoding="utf-8")
    for name, quiz in (("practice", practice), ("exam", EXAM), ("warmup", WARMUP)):
        (folder / "quizzes" / f"{name}.yaml").write_text(yaml.safe_dump(quiz), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("versions")
    return write_version(root / "version-1", 1), write_version(root / "version-2", 2)


def quiz(lms, folder: Path, lesson_id: str) -> QuizOnPage:
    return QuizOnPage(lms.course, lesson_id, load_quiz_lesson(folder, lesson_id).quiz.questions)


def visited(lms) -> list[str]:
    return lms.frame.evaluate("() => [...document.querySelectorAll('.cp-toc a.cp-visited')]"
                              ".map(a => a.dataset.lesson)")


def success(lms) -> str:
    return lms.core("lesson_status") if lms.v12 else lms.value("cmi.success_status")


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_a_new_version_keeps_the_record_by_id(lms_for, build_package, versions, standard):
    v1, v2 = versions
    lms = lms_for(build_package(v1, standard)).launch()
    lms.course.locator(".cp-toc a[data-lesson='practice']").click()
    practice = quiz(lms, v1, "practice")
    practice.answer_all([True, True])
    assert practice.submit().startswith("You scored 50%.")
    lms.course.locator(".cp-toc a[data-lesson='exam']").click()
    exam = quiz(lms, v1, "exam")
    exam.answer_all([True, False])
    assert exam.submit().startswith("You scored 100%. You passed")
    lms.unload()
    assert success(lms) == "passed"

    again = lms_for(build_package(v2, standard)).launch(lms.cmi())
    assert again.visible_lessons() == ["exam"]
    assert visited(again) == ["welcome", "practice", "exam"]
    # Each quiz keeps its own record: the exam its passed attempt, shown for review ...
    exam = quiz(again, v2, "exam")
    assert exam.result().startswith("You scored 100%. You passed")
    assert exam.shown_answers() == [True, False]
    # ... the practice quiz (a question added) its attempt, open for a new one ...
    practice = quiz(again, v2, "practice")
    assert practice.result() == ""
    assert practice.shown_answers() == [None, None, None]
    assert practice.section.locator(".cp-quiz-submit").evaluate("b => !b.hidden")
    # ... and the new quiz nothing.
    assert quiz(again, v2, "warmup").result() == ""
    assert success(again) == "passed"
    assert again.value("cmi.core.score.raw" if again.v12 else "cmi.score.raw") in ("100", 100)
    again.unload()

    # A record the new version cannot use at all (here: lost) never lowers the LMS's status.
    previous = again.cmi()
    previous["suspend_data"] = ""
    third = lms_for(build_package(v2, standard)).launch(previous)
    third.course.locator(".cp-toc a[data-lesson='new']").click()
    third.unload()
    assert success(third) == "passed"
    setter = "LMSSetValue" if third.v12 else "SetValue"
    assert not [e for e in third.log() if e[0] == setter and e[1][1] in ("completed", "unknown")
                and e[1][0] in ("cmi.core.lesson_status", "cmi.success_status")]


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_a_record_of_the_earlier_format_is_read(lms_for, build_package, versions, standard):
    """Format 2: visited lessons by position (welcome and exam: bits 0 and 2... of welcome,
    more, practice, exam = 1 + 8 = "J"), quiz records by position among the page's quizzes
    (the exam is the second: 1)."""
    v1, _ = versions
    previous = {"suspend_data": "2|J|1:1:1:10000:10000:1:b,a",
                **({"core": {"lesson_location": "exam", "lesson_status": "incomplete",
                             "exit": "suspend"}}
                   if standard == "scorm12" else
                   {"location": "exam", "completion_status": "incomplete", "exit": "suspend"})}
    lms = lms_for(build_package(v1, standard)).launch(previous)
    assert lms.visible_lessons() == ["exam"]
    assert visited(lms) == ["welcome", "exam"]
    exam = quiz(lms, v1, "exam")
    assert exam.result().startswith("You scored 100%. You passed")
    assert exam.shown_answers() == [True, False]
