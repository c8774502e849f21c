"""axe-core (WCAG 2.0/2.1 A and AA) on quiz pages as the learner sees them in the LMS: before
answering, and after submitting wrong answers, when the verdicts, the right answers, the
feedback and the explanations are shown."""

from __future__ import annotations

import pytest

from .conftest import COURSE, REPO
from .quiz_driver import QuizOnPage, load_quiz_lesson, right, wrong
from .test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser

QUIZ_TYPES = REPO / "tests" / "fixtures" / "courses" / "quiz-types"


@pytest.mark.parametrize("course, lesson_id", [(COURSE, "final-assessment"),
                                               (QUIZ_TYPES, "all-types")],
                         ids=["example-final-assessment", "quiz-types"])
def test_axe_on_a_quiz_before_and_after_submitting(build_package, lms_for, axe_source,
                                                   course, lesson_id):
    lesson = load_quiz_lesson(course, lesson_id)
    questions = lesson.quiz.questions
    lms = lms_for(build_package(course, "scorm12")).launch()
    lms.course.locator(f".cp-toc a[data-lesson='{lesson_id}']").click()
    assert lms.visible_lessons() == [lesson_id]

    violations = axe_violations(lms.frame, axe_source)
    assert not violations, describe(f"{lesson_id} before submitting", violations)

    page = QuizOnPage(lms.course, lesson_id, questions)
    # Mostly wrong, one right: both kinds of verdict and every kind of feedback on screen.
    page.answer_all([right(q) if i == 0 else wrong(q) for i, q in enumerate(questions)])
    page.submit()
    section = page.section
    assert section.locator(".cp-right").count() == 1
    assert section.locator(".cp-wrong").count() == len(questions) - 1
    assert section.locator(".cp-explanation:visible").count() >= 1
    assert section.locator(".cp-quiz-retry").is_visible()
    violations = axe_violations(lms.frame, axe_source)
    assert not violations, describe(f"{lesson_id} after submitting", violations)
