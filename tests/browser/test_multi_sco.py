"""A course with `sco: per-module`: every module is its own SCO with its own launch page.
An LMS launches each one on its own, with its own run-time data; each reports its own
progress and status (SCORM 1.2 and 2004)."""

from __future__ import annotations

import textwrap

import pytest

from .quiz_driver import QuizOnPage, load_quiz_lesson, right

pytestmark = pytest.mark.browser

FILES = {
    "course.yaml": """
        id: two-scos
        title: A course in two SCOs
        language: en
        version: "1.0"
        sco: per-module
        completion:
          rule: all-lessons
          assessment: check
        modules:
          - id: basics
            title: The basics
            lessons: [lessons/one.md, lessons/two.md]
          - id: assessment
            title: The assessment
            lessons: [lessons/three.md, quizzes/check.yaml]
        """,
    "lessons/one.md": "---\ntitle: One\n---\nThe first lesson.\n",
    "lessons/two.md": "---\ntitle: Two\n---\nThe second lesson.\n",
    "lessons/three.md": "---\ntitle: Three\n---\nRead this before the check.\n",
    "quizzes/check.yaml": """
        title: Check
        pass_mark: 50
        attempts: 2
        questions:
          - id: colour
            type: single
            prompt: Which colour is the sky?
            options:
              - {text: Green}
              - {text: Blue, correct: true}
          - id: wet
            type: true-false
            prompt: Water is wet.
            answer: true
        """,
}


@pytest.fixture(scope="module")
def two_scos(tmp_path_factory):
    root = tmp_path_factory.mktemp("two-scos")
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def status(lms) -> dict:
    cmi = lms.cmi()
    if lms.v12:
        return {"status": cmi["core"]["lesson_status"], "raw": cmi["core"]["score"]["raw"]}
    return {"completion": cmi["completion_status"], "success": cmi["success_status"],
            "raw": cmi["score"]["raw"], "progress": cmi["progress_measure"]}


@pytest.mark.parametrize("target", ["scorm12", "scorm2004"])
def test_each_sco_reports_its_own_status(two_scos, build_package, lms_for, target):
    built = build_package(two_scos, target)
    assert built.launches == ["basics.html", "assessment.html"]
    basics, assessment = built.scos
    pass_mark = load_quiz_lesson(two_scos, "check").quiz.pass_mark
    assert basics.mastery is None
    assert assessment.mastery == (str(pass_mark) if target == "scorm12" else f"{pass_mark / 100:g}")
    assert [p["id"] for p in built.data("basics.html")["lessons"]] == ["one", "two"]
    assert [p["id"] for p in built.data("assessment.html")["lessons"]] == ["three", "check"]
    exit_done = "" if target == "scorm12" else "normal"

    # The assessment SCO, launched first and left half done.
    second = lms_for(built, "assessment.html").launch()
    assert second.visible_lessons() == ["three"]
    assert second.frame.evaluate("() => document.querySelectorAll('article.cp-lesson').length") == 2

    # The basics SCO, in its own LMS session: both its lessons make it complete.
    first = lms_for(built, "basics.html").launch()
    assert first.visible_lessons() == ["one"]
    first.course.locator("#cp-next").click()
    assert first.visible_lessons() == ["two"]
    first.course.locator("#cp-exit").click()
    done = status(first)
    if target == "scorm12":
        assert done == {"status": "completed", "raw": ""}
        assert first.cmi()["core"]["exit"] == exit_done
    else:
        assert done == {"completion": "completed", "success": "unknown", "raw": "",
                        "progress": "1"}
        assert first.cmi()["exit"] == exit_done

    # The other SCO knows nothing of that: still incomplete, nothing scored.
    if target == "scorm12":
        assert status(second) == {"status": "incomplete", "raw": ""}
    else:
        assert status(second) == {"completion": "incomplete", "success": "unknown", "raw": "",
                                  "progress": "0.5"}

    # It passes on its own quiz.
    second.course.locator(".cp-toc a[data-lesson='check']").click()
    lesson = load_quiz_lesson(two_scos, "check")
    page = QuizOnPage(second.course, "check", lesson.quiz.questions)
    page.answer_all([right(q) for q in lesson.quiz.questions])
    assert page.submit().startswith("You scored 100%.")
    second.course.locator("#cp-exit").click()
    if target == "scorm12":
        assert status(second) == {"status": "passed", "raw": "100"}
        assert second.cmi()["core"]["exit"] == exit_done
        assert [i["id"] for i in second.cmi()["interactions"].values()] == \
            ["check_colour", "check_wet"]
    else:
        assert status(second) == {"completion": "completed", "success": "passed", "raw": "100",
                                  "progress": "1"}
        assert second.cmi()["exit"] == exit_done
    # ... and the basics SCO's record is still its own.
    assert status(first) == done
    assert first.cmi()["interactions"] == {}
