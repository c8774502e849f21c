"""Every question type answered and submitted with the keyboard alone (Tab, Shift+Tab, Space,
arrow keys, Enter and typing; no clicks, no fill), under the SCORM 1.2 LMS, and graded right."""

from __future__ import annotations

import pytest

from .conftest import REPO
from .quiz_driver import QuizOnPage, expected_interaction, load_quiz_lesson, right, wrong

pytestmark = pytest.mark.browser

QUIZ_TYPES = REPO / "tests" / "fixtures" / "courses" / "quiz-types"
LESSON = "all-types"

ACTIVE = """() => {
  const a = document.activeElement;
  if (!a || a === document.body) { return null; }
  return { id: a.id, tag: a.tagName, type: a.type || "", name: a.name || "", value: a.value,
           checked: !!a.checked, classes: a.className };
}"""

# Where is the first element matching a selector, compared with the focused element?
DIRECTION = """(selector) => {
  const target = document.querySelector(selector), active = document.activeElement;
  if (!target) { throw new Error("nothing matches " + selector); }
  if (!active || active === document.body || active === target) { return "Tab"; }
  return active.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_PRECEDING
    ? "Shift+Tab" : "Tab";
}"""


class Keyboard:
    def __init__(self, lms):
        self.lms = lms
        self.keys = lms.page.keyboard
        self.pressed: list[str] = []

    def press(self, key: str) -> None:
        self.pressed.append(key)
        self.keys.press(key)

    def active(self) -> dict | None:
        return self.lms.frame.evaluate(ACTIVE)

    def focused(self, selector: str) -> bool:
        return self.lms.frame.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector)

    def tab_to(self, selector: str, limit: int = 60) -> None:
        """Tab (or Shift+Tab, when it lies behind) until the focus is on `selector`."""
        for _ in range(limit):
            if self.focused(selector):
                return
            self.press(self.lms.frame.evaluate(DIRECTION, selector))
        raise AssertionError(f"the keyboard never reached {selector} (focus: {self.active()})")

    def arrows_to(self, wanted, read, key: str = "ArrowDown", limit: int = 12) -> None:
        """Arrow keys until read() == wanted (radio groups, closed select boxes)."""
        for _ in range(limit):
            if read() == wanted:
                return
            self.press(key)
        raise AssertionError(f"arrow keys never reached {wanted!r} (at {read()!r})")


def answer_by_keyboard(kb: Keyboard, quiz: QuizOnPage, q, answer, key="ArrowDown") -> None:
    name = quiz.name(q)
    if q.type in ("single", "true-false"):
        value = str(int(answer)) if q.type == "true-false" else str(answer)
        kb.tab_to(f"input[name='{name}']")
        kb.arrows_to(value, lambda: kb.active()["value"], key)
        if not kb.active()["checked"]:
            kb.press("Space")
        assert kb.active()["checked"]
    elif q.type == "multiple":
        for i in range(len(q.options)):
            kb.tab_to(f"[id='{name}-{i}']")
            if kb.active()["checked"] != (i in answer):
                kb.press("Space")
            assert kb.active()["checked"] == (i in answer)
    elif q.type in ("fill-in", "numeric"):
        kb.tab_to(f"[id='{name}-answer']")
        kb.keys.type(answer)
        kb.pressed.append(f"type {answer!r}")
    elif q.type == "matching":
        for left, pair in enumerate(answer):
            kb.tab_to(f"[id='{name}-{left}']")
            kb.arrows_to(str(pair), lambda: kb.active()["value"])
    elif q.type == "ordering":
        node = f".cp-question[data-question='{q.id}']"
        for position, item in enumerate(answer):
            moves = 0
            while quiz.read(q)["order"].index(item) > position:
                kb.tab_to(f"{node} li[data-item='{item}'] .cp-up")
                kb.press("Enter" if moves % 2 == 0 else "Space")
                moves += 1
                assert moves < 10, f"item {item} of {q.id} does not move up"
    else:
        raise AssertionError(q.type)


def test_every_question_type_by_keyboard(build_package, lms_for):
    lesson = load_quiz_lesson(QUIZ_TYPES, LESSON)
    questions = lesson.quiz.questions
    assert {q.type for q in questions} == {"single", "multiple", "true-false", "fill-in",
                                           "numeric", "matching", "ordering"}
    built = build_package(QUIZ_TYPES, "scorm12")
    lms = lms_for(built, reduced_motion="no-preference").launch()
    kb = Keyboard(lms)

    # To the quiz: the Next button, by keyboard.
    kb.tab_to("#cp-next", limit=40)
    kb.press("Enter")
    assert lms.visible_lessons() == [LESSON]
    quiz = QuizOnPage(lms.course, LESSON, questions)

    answers = [right(q) for q in questions]
    # The learner first picks a wrong option in the first question ...
    first = questions[0]
    assert first.type == "single"
    answer_by_keyboard(kb, quiz, first, wrong(first))
    assert quiz.shown_answer(first) == wrong(first)
    for q, answer in zip(questions[1:], answers[1:]):
        answer_by_keyboard(kb, quiz, q, answer)
        assert quiz.shown_answer(q) == answer, f"{q.type} {q.id}: the form shows another answer"
    # ... and goes back to it (Shift+Tab) to put it right with the arrow keys.
    answer_by_keyboard(kb, quiz, first, answers[0], key="ArrowUp")
    # Nothing was changed by going back and forth: every answer is still as given.
    assert [quiz.shown_answer(q) for q in questions] == answers
    for key in ("Shift+Tab", "ArrowDown", "ArrowUp", "Space", "Enter"):
        assert key in kb.pressed, f"{key} was never needed"

    kb.tab_to(f".cp-quiz[data-quiz='{LESSON}'] .cp-quiz-submit")
    kb.press("Enter")
    assert quiz.result().startswith("You scored 100%."), quiz.result()
    assert kb.focused(".cp-quiz-result"), "focus did not move to the result"
    for q in questions:
        assert quiz.read(q)["verdict"] == "Correct.", q.id

    held = lms.value("cmi.interactions")
    assert len(held) == len(questions)
    for n, (q, answer) in enumerate(zip(questions, answers)):
        expected = expected_interaction("scorm12", LESSON, q, answer)
        assert {key: held[str(n)].get(key) for key in expected} == expected, q.id
    assert lms.cmi()["core"]["score"]["raw"] == "100"
    assert lms.core("lesson_status") == "passed"
