"""A numeric answer as learners type it: a decimal comma is graded and reported as the number
it is; text that is no number is graded wrong and reported without a response (the data
models' numeric response is a decimal). In both cases the LMS accepts every call."""

from __future__ import annotations

import pytest

from .conftest import REPO
from .quiz_driver import QuizOnPage, js_number, load_quiz_lesson, right, score, wrong

pytestmark = pytest.mark.browser

QUIZ_TYPES = REPO / "tests" / "fixtures" / "courses" / "quiz-types"
LESSON = "all-types"


@pytest.mark.parametrize("target", ["scorm12", "scorm2004"])
def test_numeric_answers_as_typed(build_package, lms_for, target):
    lesson = load_quiz_lesson(QUIZ_TYPES, LESSON)
    questions = lesson.quiz.questions
    numeric = next(i for i, q in enumerate(questions) if q.type == "numeric")
    assert lesson.quiz.attempts >= 2
    lms = lms_for(build_package(QUIZ_TYPES, target)).launch()
    lms.course.locator(f".cp-toc a[data-lesson='{LESSON}']").click()
    page = QuizOnPage(lms.course, LESSON, questions)
    response = "student_response" if lms.v12 else "learner_response"
    wrong_result = "wrong" if lms.v12 else "incorrect"

    # Attempt 1: not a number (and two more wrong answers: a score under the pass mark).
    answers = [right(q) for q in questions]
    answers[numeric] = "about three"
    others = [i for i in range(len(questions)) if i != numeric][:2]
    for i in others:
        answers[i] = wrong(questions[i])
    page.answer_all(answers)
    assert page.submit().startswith(f"You scored {js_number(score(questions, answers))}%.")
    record = lms.value(f"cmi.interactions.{numeric}")
    assert (record["id"], record[response], record["result"]) == \
        (f"{LESSON}_{questions[numeric].id}", "", wrong_result)
    setter = "LMSSetValue" if lms.v12 else "SetValue"
    assert not [e for e in lms.log()
                if e[0] == setter and e[1][0] == f"cmi.interactions.{numeric}.{response}"]

    # Attempt 2: the number with a decimal comma.
    page.retry()
    typed = right(questions[numeric]).replace(".", ",")
    assert "," in typed
    answers = [right(q) for q in questions]
    answers[numeric] = typed
    page.answer_all(answers)
    assert page.submit().startswith("You scored 100%.")
    record = lms.value(f"cmi.interactions.{len(questions) + numeric}")
    assert (record[response], record["result"]) == (typed.replace(",", "."), "correct")

    refused = [e for e in lms.log() if e[0] in (setter, "LMSCommit", "Commit") and e[2] != "true"]
    assert refused == [], f"the LMS refused calls: {refused}"
    assert lms.course.locator("#cp-status").inner_text() == ""


@pytest.mark.parametrize("zero, point", [(0x0660, "\u066b"), (0x06F0, ".")])
def test_arabic_indic_digits_are_the_number_they_write(build_package, lms_for, zero, point):
    """An Arabic or Persian keyboard types its own digits (٠-٩, ۰-۹) and decimal separator:
    the number they write is graded, and reported to the LMS in the data model's digits."""
    lesson = load_quiz_lesson(QUIZ_TYPES, LESSON)
    questions = lesson.quiz.questions
    numeric = next(i for i, q in enumerate(questions) if q.type == "numeric")
    lms = lms_for(build_package(QUIZ_TYPES, "scorm2004")).launch()
    lms.course.locator(f".cp-toc a[data-lesson='{LESSON}']").click()
    page = QuizOnPage(lms.course, LESSON, questions)
    plain = right(questions[numeric])
    typed = "".join(chr(zero + int(c)) if c.isdigit() else point if c == "." else c
                    for c in plain)
    assert typed != plain
    answers = [right(q) for q in questions]
    answers[numeric] = typed
    page.answer_all(answers)
    assert page.submit().startswith("You scored 100%.")
    record = lms.value(f"cmi.interactions.{numeric}")
    assert (record["learner_response"], record["result"]) == (plain, "correct")
