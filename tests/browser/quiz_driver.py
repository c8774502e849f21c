"""Answering quizzes in the browser the way a learner does, and what the LMS should then hold.

Right answers come from the course's YAML quiz files, read here directly (not through
coursepack); the expected interaction records are written out here from the SCORM 1.2 and
2004 data models, not taken from the runtime.

An answer, in this module, is what the learner gives, named by the source's positions
(options, matching pairs and ordering items are numbered as the quiz file lists them):
  single: option index      multiple: sorted option indices    true-false: bool
  fill-in, numeric: text    matching: for each left item in source order, the pair index chosen
  ordering: item indices in the order shown
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace

import yaml

CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
KINDS = {"single": "choice", "multiple": "choice", "true-false": "true-false",
         "fill-in": "fill-in", "numeric": "numeric", "matching": "matching",
         "ordering": "sequencing"}

# CMI data types
TIMESPAN_12 = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")          # CMITimespan
TIME_12 = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$")   # CMITime
DURATION_2004 = re.compile(r"^P(?:\d+Y)?(?:\d+M)?(?:\d+D)?"
                           r"(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d{1,2})?S)?)?$")
TIMESTAMP_2004 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,2})?"
                            r"(Z|[+-]\d{2}(:\d{2})?)?$")


# ---------------------------------------------------------------- the quiz sources

class Question:
    """One question as its quiz file writes it, with the source's defaults filled in."""

    def __init__(self, data: dict):
        self.id = data["id"]
        self.type = data["type"]
        self.prompt = data["prompt"]
        self.weight = float(data.get("weight", 1))
        self.options = [SimpleNamespace(correct=bool(o.get("correct")))
                        for o in data.get("options") or []]
        self.answer = data.get("answer")
        self.answers = [str(a) for a in data.get("answers") or []]
        self.case_sensitive = bool(data.get("case_sensitive"))
        self.number = self.low = self.high = None
        self.tolerance = float(data.get("tolerance") or 0)
        if self.type == "numeric":
            if data.get("range"):
                self.low, self.high = (float(x) for x in data["range"][:2])
            else:
                self.number = float(self.answer)
        self.pairs = [(p["left"], p["right"]) for p in data.get("pairs") or []]
        self.items = list(data.get("items") or [])


def load_quiz_lesson(course_folder: Path, lesson_id: str) -> SimpleNamespace:
    """The quiz lesson `lesson_id` of a course, read straight from its YAML quiz file (the
    lesson id is the file's `id`, else its name): .id, .quiz.questions, .quiz.pass_mark,
    .quiz.attempts, .quiz.draw, .quiz.shuffle_questions."""
    folder = Path(course_folder)
    course = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    files = [folder / entry for module in course["modules"] for entry in module["lessons"]
             if str(entry).endswith((".yaml", ".yml"))]
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("id", path.stem) == lesson_id:
            quiz = SimpleNamespace(
                questions=[Question(q) for q in data["questions"]],
                pass_mark=data.get("pass_mark"), attempts=data.get("attempts") or 0,
                draw=data.get("draw"), shuffle_questions=bool(data.get("shuffle_questions")))
            return SimpleNamespace(id=lesson_id, quiz=quiz)
    raise AssertionError(f"{folder} has no quiz file for the lesson {lesson_id!r}")


def js_number(value: float) -> str:
    """A number as JavaScript's String() writes it."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))


def decimal_text(value: Decimal) -> str:
    """A decimal written out plainly: 3.135, 93 (not 93.0, 9.3E+1)."""
    return format(value.normalize(), "f")


def right(q):
    if q.type == "single":
        return next(i for i, o in enumerate(q.options) if o.correct)
    if q.type == "multiple":
        return [i for i, o in enumerate(q.options) if o.correct]
    if q.type == "true-false":
        return bool(q.answer)
    if q.type == "fill-in":
        return q.answers[0]
    if q.type == "numeric":
        if q.number is not None:
            return js_number(q.number)
        return js_number((q.low + q.high) / 2)
    if q.type == "matching":
        return list(range(len(q.pairs)))
    if q.type == "ordering":
        return list(range(len(q.items)))
    raise AssertionError(q.type)


def wrong(q):
    if q.type == "single":
        return next(i for i, o in enumerate(q.options) if not o.correct)
    if q.type == "multiple":
        keys = [i for i, o in enumerate(q.options) if o.correct]
        others = [i for i, o in enumerate(q.options) if not o.correct]
        return sorted(keys + others[:1]) if others else keys[:-1]
    if q.type == "true-false":
        return not q.answer
    if q.type == "fill-in":
        return "not " + q.answers[0]
    if q.type == "numeric":
        high = q.high if q.low is not None else q.number + q.tolerance
        return js_number(high + 1 + abs(high))
    if q.type == "matching":
        n = len(q.pairs)
        return [(i + 1) % n for i in range(n)]
    if q.type == "ordering":
        return list(reversed(range(len(q.items))))
    raise AssertionError(q.type)


def graded_right(q, answer) -> bool:
    """Whether an answer is right, by the quiz source (not by the runtime's grading)."""
    if q.type in ("single", "multiple", "true-false", "matching", "ordering"):
        return answer == right(q)
    if q.type == "fill-in":
        def norm(text):
            text = " ".join(str(text).split())
            return text if q.case_sensitive else text.lower()
        return any(norm(answer) == norm(a) for a in q.answers)
    if q.type == "numeric":
        low, high = bounds(q)
        try:   # a decimal comma is a decimal point; text that is no number is wrong
            return low <= Decimal(str(answer).strip().replace(",", ".", 1)) <= high
        except InvalidOperation:
            return False
    raise AssertionError(q.type)


def bounds(q) -> tuple[Decimal, Decimal]:
    if q.low is not None:
        return Decimal(js_number(q.low)), Decimal(js_number(q.high))
    number, tolerance = Decimal(js_number(q.number)), Decimal(js_number(q.tolerance))
    return number - tolerance, number + tolerance


def score(questions, answers) -> float:
    """The attempt's score in percent as the quiz states it: two decimals, half up."""
    total = sum(q.weight for q in questions)
    earned = sum(q.weight for q, a in zip(questions, answers) if graded_right(q, a))
    return math.floor(10000 * earned / total + 0.5) / 100


# ---------------------------------------------------------------- what the LMS should hold

def _letters(indices) -> list[str]:
    return [CHARS[i] for i in indices]


def response_text(standard: str, q, answer) -> str:
    """student_response (1.2) / learner_response (2004) for an answer."""
    v12 = standard == "scorm12"
    comma, dot = ("," if v12 else "[,]"), ("." if v12 else "[.]")
    if q.type == "single":
        return CHARS[answer]
    if q.type in ("multiple", "ordering"):
        return comma.join(_letters(answer))
    if q.type == "true-false":
        return ("t" if answer else "f") if v12 else ("true" if answer else "false")
    if q.type == "matching":
        return comma.join(f"{CHARS[left]}{dot}{CHARS[r]}" for left, r in enumerate(answer))
    return str(answer)


def patterns(standard: str, q) -> list[str]:
    """correct_responses.n.pattern, in order."""
    v12 = standard == "scorm12"
    if q.type == "fill-in":
        prefix = "{case_matters=true}" if q.case_sensitive and not v12 else ""
        return [prefix + a for a in q.answers]
    if q.type == "numeric":
        low, high = bounds(q)
        if v12:
            # CMIDecimal holds one number: a range has no SCORM 1.2 pattern.
            return [decimal_text(low)] if low == high else []
        return [f"{decimal_text(low)}[:]{decimal_text(high)}"]
    return [response_text(standard, q, right(q))]


def expected_interaction(standard: str, lesson_id: str, q, answer) -> dict:
    """The fields of one interaction record whose values are known in advance."""
    v12 = standard == "scorm12"
    ok = graded_right(q, answer)
    return {
        "id": f"{lesson_id}_{q.id}",
        "type": KINDS[q.type],
        "student_response" if v12 else "learner_response": response_text(standard, q, answer),
        "result": "correct" if ok else ("wrong" if v12 else "incorrect"),
        "weighting": js_number(q.weight),
        "correct_responses": {str(n): {"pattern": p}
                              for n, p in enumerate(patterns(standard, q))},
    }


def timespan_seconds(value: str) -> float:
    hours, minutes, seconds = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def duration_seconds(value: str) -> float:
    match = re.fullmatch(r"P(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?", value)
    assert match, f"not a duration this runtime writes: {value}"
    hours, minutes, seconds = (float(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


# ---------------------------------------------------------------- the quiz on the page

READ_QUESTION = """(node) => ({
  checked: [...node.querySelectorAll('input[type=radio], input[type=checkbox]')]
             .filter(i => i.checked).map(i => i.value),
  text: (node.querySelector('input[type=text]') || {}).value,
  selects: [...node.querySelectorAll('select')].map(s => s.value),
  order: [...node.querySelectorAll('.cp-order > li')].map(li => Number(li.dataset.item)),
  disabled: [...node.querySelectorAll('input, select, .cp-order button')].every(e => e.disabled),
  verdict: (node.querySelector('.cp-verdict') || {}).textContent,
})"""


class QuizOnPage:
    """One quiz of a course page, driven like a learner. `root` is the course frame's
    FrameLocator (LMS) or the Page itself (web target)."""

    def __init__(self, root, lesson_id: str, questions):
        self.root = root
        self.lesson_id = lesson_id
        self.questions = list(questions)
        self.section = root.locator(f".cp-quiz[data-quiz='{lesson_id}']")

    def name(self, q) -> str:
        return f"quiz-{self.lesson_id}-{q.id}"

    def node(self, q):
        return self.section.locator(f".cp-question[data-question='{q.id}']")

    def control(self, element_id: str):
        return self.root.locator(f"[id='{element_id}']")

    def answer(self, q, answer) -> None:
        name = self.name(q)
        if q.type == "single":
            self.control(f"{name}-{answer}").check()
        elif q.type == "true-false":
            self.control(f"{name}-{1 if answer else 0}").check()
        elif q.type == "multiple":
            for i in range(len(q.options)):
                self.control(f"{name}-{i}").set_checked(i in answer)
        elif q.type in ("fill-in", "numeric"):
            self.control(f"{name}-answer").fill(answer)
        elif q.type == "matching":
            for left, pair in enumerate(answer):
                self.control(f"{name}-{left}").select_option(str(pair))
        elif q.type == "ordering":
            for position, item in enumerate(answer):
                while (now := self.read(q)["order"]).index(item) > position:
                    self.node(q).locator(f"li[data-item='{item}'] .cp-up").click()
                    assert self.read(q)["order"] != now, "Move up did not move the item"
        else:
            raise AssertionError(q.type)

    def answer_all(self, answers) -> None:
        for q, a in zip(self.questions, answers):
            self.answer(q, a)

    def read(self, q) -> dict:
        return self.node(q).evaluate(READ_QUESTION)

    def shown_answer(self, q):
        """The answer the form shows now, in the neutral form above (None: no answer)."""
        return form_answer(q, self.read(q))

    def shown_answers(self) -> list:
        """shown_answer of every question, read in one go."""
        states = self.section.evaluate(
            "(section) => Object.fromEntries([...section.querySelectorAll('.cp-question')]"
            f".map(node => [node.dataset.question, ({READ_QUESTION})(node)]))")
        return [form_answer(q, states[q.id]) for q in self.questions]

    def prompt(self, q) -> str:
        """The prompt as it is shown: without what is there for screen readers alone."""
        shown = self.node(q).locator(".cp-prompt").evaluate(
            "p => { const c = p.cloneNode(true);"
            " c.querySelectorAll('.cp-sr').forEach(n => n.remove()); return c.textContent; }")
        return " ".join(shown.split())

    def submit(self) -> str:
        self.section.locator(".cp-quiz-submit").click()
        result = self.section.locator(".cp-quiz-result")
        assert result.inner_text().startswith("You scored"), result.inner_text()
        return result.inner_text()

    def retry(self) -> None:
        self.section.locator(".cp-quiz-retry").click()
        assert self.section.locator(".cp-quiz-submit").is_visible()

    def result(self) -> str:
        return self.section.locator(".cp-quiz-result").inner_text()

    def attempts_info(self) -> str:
        return self.section.locator(".cp-quiz-attempts").inner_text().strip()


def form_answer(q, state: dict):
    """A question's form state (READ_QUESTION) as an answer in the neutral form."""
    if q.type == "single":
        return int(state["checked"][0]) if state["checked"] else None
    if q.type == "true-false":
        return state["checked"][0] == "1" if state["checked"] else None
    if q.type == "multiple":
        return sorted(int(v) for v in state["checked"]) or None
    if q.type in ("fill-in", "numeric"):
        return state["text"] or None
    if q.type == "matching":
        return None if "" in state["selects"] else [int(v) for v in state["selects"]]
    return state["order"]


# Answers given through the page's own controls in one go (a click on a radio or a checkbox,
# a value and its change event for text and select boxes, the Move up buttons): for long
# quizzes, where driving each control from the test would take minutes.
ANSWER_IN_PAGE = """([lesson, items]) => {
  const fire = (el, type) => el.dispatchEvent(new Event(type, { bubbles: true }));
  for (const { id, type, answer } of items) {
    const node = document.querySelector(
      `.cp-quiz[data-quiz="${lesson}"] .cp-question[data-question="${id}"]`);
    if (type === "single" || type === "true-false") {
      const value = type === "true-false" ? (answer ? "1" : "0") : String(answer);
      node.querySelector(`input[value="${value}"]`).click();
    } else if (type === "multiple") {
      node.querySelectorAll("input").forEach(i => {
        if (i.checked !== answer.includes(Number(i.value))) { i.click(); }
      });
    } else if (type === "fill-in" || type === "numeric") {
      const input = node.querySelector("input[type=text]");
      input.value = answer; fire(input, "input"); fire(input, "change");
    } else if (type === "matching") {
      node.querySelectorAll("select").forEach((s, left) => {
        s.value = String(answer[left]); fire(s, "change");
      });
    } else if (type === "ordering") {
      const list = node.querySelector(".cp-order");
      const order = () => [...list.children].map(li => Number(li.dataset.item));
      answer.forEach((item, position) => {
        for (let n = 0; order().indexOf(item) > position; n++) {
          if (n > 50) { throw new Error("cannot move item " + item); }
          list.querySelector(`li[data-item="${item}"] .cp-up`).click();
        }
      });
    }
  }
}"""


def answer_in_page(frame, lesson_id: str, questions, answers) -> None:
    items = [{"id": q.id, "type": q.type, "answer": a} for q, a in zip(questions, answers)]
    frame.evaluate(ANSWER_IN_PAGE, [lesson_id, items])
