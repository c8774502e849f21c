"""A large course (200 lessons, 100 questions of every type in five quizzes) under the SCORM
1.2 LMS: with everything visited and answered, the learner's record stays inside SCORM 1.2's
4,096 characters of suspend_data (scorm-again would take 64,000), and a relaunch restores the
answers, the attempts and the visited lessons."""

from __future__ import annotations

import json

import pytest

from .quiz_driver import (QuizOnPage, answer_in_page, load_quiz_lesson, right, score, wrong,
                          js_number)

pytestmark = pytest.mark.browser

LESSONS = 200
QUIZZES = 5
PER_QUIZ = 20
SUSPEND_LIMIT_12 = 4096
TYPES = ("single", "multiple", "true-false", "fill-in", "numeric", "matching", "ordering")


def question(n: int) -> dict:
    kind = TYPES[n % len(TYPES)]
    q = {"id": f"q{n:03d}", "type": kind, "prompt": f"Question {n} of the large course ({kind})?"}
    if kind == "single":
        q["options"] = [{"text": f"Option {k} of {n}", "correct": k == n % 4} for k in range(4)]
    elif kind == "multiple":
        q["options"] = [{"text": f"Choice {k} of {n}", "correct": k in (0, 2 + n % 3)}
                        for k in range(5)]
    elif kind == "true-false":
        q["answer"] = n % 2 == 0
    elif kind == "fill-in":
        q["answers"] = [f"the answer to question {n}", f"answer {n}"]
    elif kind == "numeric":
        if n % 2:
            q["answer"] = n + 0.25
            q["tolerance"] = 0.05
        else:
            q["range"] = [n, n + 2]
    elif kind == "matching":
        q["pairs"] = [{"left": f"Left {k} of {n}", "right": f"Right {k} of {n}"}
                      for k in range(3 + n % 3)]
    else:
        q["items"] = [f"Step {k} of {n}" for k in range(3 + n % 3)]
    return q


@pytest.fixture(scope="module")
def large_course(tmp_path_factory):
    """Written as an author would: course.yaml, Markdown lessons and YAML quiz files (JSON is
    YAML too), ten modules of twenty lessons, a quiz closing every other module."""
    root = tmp_path_factory.mktemp("large-course")
    modules, number, quiz_number = [], 0, 0
    for m in range(10):
        entries = []
        count = 19 if m % 2 else 20
        for _ in range(count):
            number += 1
            name = f"lessons/lesson-{number:03d}.md"
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"---\ntitle: Lesson {number}\n---\nThe text of lesson {number}.\n",
                            encoding="utf-8")
            entries.append(name)
        if m % 2:
            quiz_number += 1
            name = f"quizzes/quiz-{quiz_number}.yaml"
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            first = (quiz_number - 1) * PER_QUIZ
            quiz = {"title": f"Quiz {quiz_number}", "pass_mark": 60, "attempts": 3,
                    "shuffle_options": quiz_number % 2 == 1,
                    "questions": [question(n) for n in range(first, first + PER_QUIZ)]}
            path.write_text(json.dumps(quiz, indent=1), encoding="utf-8")
            entries.append(name)
        modules.append({"id": f"module-{m + 1}", "title": f"Module {m + 1}", "lessons": entries})
    course = {"id": "large-course", "title": "A large course", "language": "en",
              "version": "1.0",
              "completion": {"rule": "all-lessons", "assessment": f"quiz-{QUIZZES}"},
              "modules": modules}
    (root / "course.yaml").write_text(json.dumps(course, indent=1), encoding="utf-8")
    return root


def test_large_course_fits_in_suspend_data_and_resumes(large_course, build_package, lms_for):
    quizzes = [load_quiz_lesson(large_course, f"quiz-{n}") for n in range(1, QUIZZES + 1)]
    assert sum(len(lesson.quiz.questions) for lesson in quizzes) == QUIZZES * PER_QUIZ
    built = build_package(large_course, "scorm12")
    data = built.data()
    lesson_ids = [lesson["id"] for lesson in data["lessons"]]
    assert len(lesson_ids) == LESSONS
    assert {q["type"] for spec in data["quizzes"] for q in spec["questions"]} == set(TYPES)

    lms = lms_for(built).launch()
    # Every lesson, in a scrambled order, through the table of contents.
    order = lesson_ids[8:] + lesson_ids[:8][::-1]
    lms.frame.evaluate("""(ids) => ids.forEach(id =>
        document.querySelector(`.cp-toc a[data-lesson="${id}"]`).click())""", order)
    assert lms.visible_lessons() == [lesson_ids[0]]

    # Quizzes 1-4: submitted (quiz 2 twice), wrong and right answers mixed; quiz 5, the
    # assessment: every question answered, not submitted yet.
    given, used, passed = {}, {}, {}
    for n, lesson in enumerate(quizzes, start=1):
        questions = lesson.quiz.questions
        lms.course.locator(f".cp-toc a[data-lesson='{lesson.id}']").click()
        page = QuizOnPage(lms.course, lesson.id, questions)
        answers = [right(q) if (i + n) % 3 else wrong(q) for i, q in enumerate(questions)]
        if n == 2:
            answer_in_page(lms.frame, lesson.id, questions, [wrong(q) for q in questions])
            assert page.submit().startswith("You scored 0%.")
            page.retry()
        answer_in_page(lms.frame, lesson.id, questions, answers)
        assert page.shown_answers() == answers, f"{lesson.id}: the form shows other answers"
        if n < QUIZZES:
            assert page.submit().startswith(f"You scored {js_number(score(questions, answers))}%.")
        given[lesson.id] = answers
        used[lesson.id] = 2 if n == 2 else (1 if n < QUIZZES else 0)
        passed[lesson.id] = n < QUIZZES and score(questions, answers) >= lesson.quiz.pass_mark
    lms.course.locator(f".cp-toc a[data-lesson='{lesson_ids[6]}']").click()

    lms.course.locator("#cp-exit").click()
    saved = lms.cmi()
    assert saved["core"]["exit"] == "suspend"
    # every lesson visited, the assessment not yet taken: completed, and not finished
    assert saved["core"]["lesson_status"] == "completed"
    assert len(lms.value("cmi.interactions")) == 5 * PER_QUIZ
    # Every suspend_data the course ever sent fits SCORM 1.2's CMIString4096.
    sent = lms.set_values("cmi.suspend_data")
    assert sent and max(len(s) for s in sent) < SUSPEND_LIMIT_12, max(len(s) for s in sent)
    assert saved["suspend_data"] == sent[-1]
    assert len(saved["suspend_data"]) < SUSPEND_LIMIT_12

    again = lms_for(built).launch(previous=saved)
    assert again.visible_lessons() == [lesson_ids[6]]
    visited = again.frame.evaluate(
        "() => [...document.querySelectorAll('.cp-toc a[data-lesson]')]"
        ".filter(a => a.classList.contains('cp-visited')).length")
    assert visited == LESSONS
    assert again.course.locator("#cp-progress-text").inner_text().startswith(
        f"{LESSONS} of {LESSONS} ")
    for lesson in quizzes:
        page = QuizOnPage(again.course, lesson.id, lesson.quiz.questions)
        assert page.shown_answers() == given[lesson.id], f"{lesson.id}: answers not restored"
        # once passed, the attempts left are not offered (nor counted)
        assert page.attempts_info() == ("" if passed[lesson.id] else
                                        f"Attempts left: {3 - used[lesson.id]} of 3."), lesson.id
        submitted = used[lesson.id] > 0
        # (the quizzes' lessons are not on screen: ask the elements, not their visibility)
        assert page.section.locator(".cp-quiz-submit").evaluate("b => b.hidden") == submitted
        assert (page.section.locator(".cp-quiz-result").text_content() != "") == submitted
    # The restored draft is the learner's to submit: it grades as given.
    last = quizzes[-1]
    again.course.locator(f".cp-toc a[data-lesson='{last.id}']").click()
    page = QuizOnPage(again.course, last.id, last.quiz.questions)
    expected = score(last.quiz.questions, given[last.id])
    assert page.submit().startswith(f"You scored {js_number(expected)}%.")
    assert again.cmi()["core"]["score"]["raw"] == js_number(expected)
