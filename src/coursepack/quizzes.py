"""Quizzes for the page: each question's HTML pieces, and the answer keys the runtime grades
with. The keys name options by their position in the source, so the runtime may shuffle
what it shows without changing what an answer means."""

from __future__ import annotations

import re

from msgspec import Struct, field

from . import units
from .diagnostics import Report
from .languages import language_marks
from .markdown import LessonBody, render_fragment, text_of_html
from .model import Course, Lesson, Question



class OptionView(Struct):
    index: int
    html: str
    feedback: str = ""


class QuestionView(Struct):
    id: str
    type: str
    prompt: str
    options: list[OptionView] = field(default_factory=list)   # single, multiple, true-false
    lefts: list[str] = field(default_factory=list)             # matching: items to match
    rights: list[OptionView] = field(default_factory=list)     # matching: choices, sorted
    items: list[OptionView] = field(default_factory=list)      # ordering
    if_correct: str = ""
    if_incorrect: str = ""
    explanation: str = ""
    solution: tuple[str, str] = ("", "")     # the right answer in words, shown on review:
                                             # the interface's English, the author's words


class QuizView(Struct):
    questions: list[QuestionView]
    spec: dict                  # for the runtime: settings and answer keys


def _plain(html: str, limit: int = 250) -> str:
    text = text_of_html(html)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _number(value: float) -> str:
    return f"{value:g}"


def _tidy(value: float) -> float:
    """A sum or difference of decimals without the noise of binary floating point."""
    return float(f"{value:.12g}")


def _key_and_solution(q: Question) -> tuple[object, tuple[str, str]]:
    """What the runtime grades against, and the right answer in words: the interface's
    English apart from the author's words, so a page can mark each with its language."""
    if q.type == "single":
        return next(i for i, o in enumerate(q.options) if o.correct), ("", "")
    if q.type == "multiple":
        return [i for i, o in enumerate(q.options) if o.correct], ("", "")
    if q.type == "true-false":
        return (1 if q.answer else 0), ("", "")
    if q.type == "fill-in":
        shown = ", ".join(f"“{a}”" for a in q.answers)
        label = "Accepted answer" if len(q.answers) == 1 else "Accepted answers"
        return ({"answers": list(q.answers), "caseSensitive": q.case_sensitive},
                (f"{label}: ", f"{shown}."))
    if q.type == "numeric":
        if q.low is not None:
            return ({"min": q.low, "max": q.high},
                    (f"Any number from {_number(q.low)} to {_number(q.high)}.", ""))
        # 3.14 - 0.005 is 3.1350000000000002 in binary floating point: the key (and the
        # correct-response pattern the LMS shows) must say 3.135.
        low, high = _tidy(q.number - q.tolerance), _tidy(q.number + q.tolerance)
        extra = f" (give or take {_number(q.tolerance)})" if q.tolerance else ""
        return {"min": low, "max": high}, (f"Answer: {_number(q.number)}{extra}.", "")
    if q.type == "matching":
        pairs = "; ".join(f"{left} → {right}" for left, right in q.pairs)
        return list(range(len(q.pairs))), ("Matches: ", f"{pairs}.")
    return list(range(len(q.items))), ("Correct order: ", f"{', '.join(q.items)}.")


_BLANK = re.compile(r"(?<!\w)_{3,}(?!\w)")


def _blanks_named(html: str, language: str) -> str:
    """A run of underscores in a prompt stands for the answer ("Hand ____", a GIFT
    missing word): screen readers say "blank" there, not each underscore, or nothing."""
    if "___" not in html:
        return html
    named = (f'<span aria-hidden="true">\\g<0></span>'
             f'<span class="cp-sr"{language_marks(language)["en"]}>blank</span>')
    parts = re.split(r"(<[^>]*>)", html)           # the text between tags, not attributes
    return "".join(part if i % 2 else _BLANK.sub(named, part) for i, part in enumerate(parts))


def view(lesson: Lesson, course: Course, body: LessonBody, report: Report) -> QuizView:
    quiz = lesson.quiz

    def md(text: str, where, inline: bool = True) -> str:
        return render_fragment(text, lesson, course, body, where, report, inline) if text else ""

    questions, specs = [], []
    for q in quiz.questions:
        at = {key: q.where(key) for key in       # each text's problems where it is written
              ("prompt", "feedback", "explanation", "options", "pairs", "items")}
        v = QuestionView(q.id, q.type, md(q.prompt, at["prompt"]),
                         if_correct=md(q.feedback_correct, at["feedback"], False),
                         if_incorrect=md(q.feedback_incorrect, at["feedback"], False),
                         explanation=md(q.explanation, at["explanation"], False))
        if q.type in ("single", "multiple"):
            v.options = [OptionView(i, md(o.text, at["options"]),
                                    md(o.feedback, at["options"], False))
                         for i, o in enumerate(q.options)]
        elif q.type == "true-false":
            v.options = [OptionView(1, "True"), OptionView(0, "False")]
        elif q.type == "matching":
            v.lefts = [md(left, at["pairs"]) for left, _ in q.pairs]
            rights = [OptionView(i, md(right, at["pairs"])) for i, (_, right) in enumerate(q.pairs)]
            v.rights = sorted(rights, key=lambda o: (_plain(o.html).lower(), o.index))
        elif q.type == "ordering":
            v.items = [OptionView(i, md(item, at["items"])) for i, item in enumerate(q.items)]
        key, v.solution = _key_and_solution(q)
        questions.append(v)
        specs.append({"id": q.id, "type": q.type, "weight": q.weight, "key": key,
                      "text": _plain(v.prompt)})
        v.prompt = _blanks_named(v.prompt, course.language)
    spec = {"id": lesson.id, "passMark": quiz.pass_mark, "attempts": quiz.attempts,
            "shuffleQuestions": quiz.shuffle_questions, "shuffleOptions": quiz.shuffle_options,
            "draw": quiz.draw, "review": quiz.review, "questions": specs}
    return QuizView(questions, spec)


def _view_apart(lesson: Lesson, course: Course, body: LessonBody, report: Report
                ) -> tuple[QuizView, list]:
    """view(), and the images its texts show, kept apart from the lesson body's own."""
    before = len(body.assets)
    try:
        return view(lesson, course, body, report), body.assets[before:]
    finally:
        del body.assets[before:]


def draft(lesson: Lesson, course: Course, body: LessonBody) -> tuple | None:
    """The quiz's view, worked out with its lesson's parse (perhaps in a second process),
    before the course's checks have said whether the quiz can be shown: its view, the
    images its texts show and what its texts reported, for attach to use; None if it could
    not be worked out (attach, which runs for a sound course only, then tries again)."""
    own = Report()
    try:
        made, added = _view_apart(lesson, course, body, own)
    except Exception:  # noqa: BLE001 - an unsound quiz: its checks report it
        return None
    return made, added, own.items


def attach(course: Course, bodies: dict[str, LessonBody], report: Report) -> None:
    """Give every quiz lesson's body its QuizView (and the images its texts show)."""
    links = units.links(course)
    for lesson in course.lessons:
        body = bodies.get(lesson.id)
        if lesson.quiz is None or body is None:
            continue

        def make(own: Report, lesson=lesson, body=body):
            if body.quiz_draft is None:
                return _view_apart(lesson, course, body, own)
            made, added, reported = body.quiz_draft
            own.extend(reported)
            return made, added
        body.quiz, added = units.run("quiz", lesson.path, report, make, extra=links)
        body.quiz_draft = None
        body.assets += added
