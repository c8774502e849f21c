"""Quizzes written in YAML: a quiz file of its own, or the `quiz:` block of a lesson's front
matter. Both have the same settings and questions; the rules about right answers live in
validate.py so that quizzes from GIFT files meet the same checks."""

from __future__ import annotations

from pathlib import Path

from .. import schema
from ..diagnostics import Report, Source, display_path
from ..model import Lesson, Option, Question, Quiz
from .files import read_text
from .yamlpos import YamlDoc, parse_yaml


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def question_from(data: dict, where: Source,
                  written: tuple[tuple[str, Source], ...] = ()) -> Question:
    qtype = data["type"]
    feedback = data.get("feedback") or {}
    answer = data.get("answer")
    number = low = high = None
    if qtype == "numeric":
        if isinstance(data.get("range"), list) and len(data["range"]) >= 2:
            low, high = float(data["range"][0]), float(data["range"][1])
        if isinstance(answer, (int, float)) and not isinstance(answer, bool):
            number = float(answer)
    return Question(
        id=data["id"], type=qtype, prompt=data["prompt"], source=where,
        weight=float(data.get("weight", 1)),
        options=tuple(Option(_text(o["text"]), bool(o.get("correct")), o.get("feedback") or "")
                      for o in data.get("options") or []),
        answer=answer if isinstance(answer, bool) else None,
        answers=tuple(_text(a) for a in data.get("answers") or []),
        case_sensitive=bool(data.get("case_sensitive")),
        number=number, tolerance=float(data.get("tolerance") or 0), low=low, high=high,
        pairs=tuple((p["left"], p["right"]) for p in data.get("pairs") or []),
        items=tuple(data.get("items") or ()),
        feedback_correct=feedback.get("correct") or "",
        feedback_incorrect=feedback.get("incorrect") or "",
        explanation=data.get("explanation") or "",
        written=written,
    )


def _as_written(doc: YamlDoc, path: tuple, value):
    """A number given where text is wanted, as the author wrote it: 1.0 stays '1.0'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return doc.written.get(path, _text(value))
    return value


def _texts_as_written(doc: YamlDoc, path: tuple, question: dict) -> dict:
    """The question with its accepted fill-in answers as written (numbers among them)."""
    if not question.get("answers"):
        return question
    return {**question, "answers": [_as_written(doc, path + ("answers", k), answer)
                                    for k, answer in enumerate(question["answers"])]}


def quiz_from(doc: YamlDoc, path: tuple) -> Quiz:
    """A quiz from schema-checked data at path in doc."""
    data = doc.data
    for step in path:
        data = data[step]
    questions = tuple(question_from(_texts_as_written(doc, path + ("questions", i), q),
                                    doc.pos(path + ("questions", i)),
                                    tuple((key, doc.key_pos(path + ("questions", i, key)))
                                          for key in q))
                      for i, q in enumerate(data["questions"]))
    return Quiz(
        questions=questions, pass_mark=data.get("pass_mark"),
        attempts=data.get("attempts") or 0,
        shuffle_questions=bool(data.get("shuffle_questions")),
        shuffle_options=bool(data.get("shuffle_options")), draw=data.get("draw"),
        review=data.get("review", True) is not False,
        written=tuple((key, doc.key_pos(path + (key,))) for key in data if key != "questions"),
    )


def read_quiz_file(path: Path, report: Report) -> Lesson | None:
    """A quiz lesson from a YAML file (title, settings, questions, optional intro)."""
    from .lesson import lesson_id_from_name  # lesson.py imports this module
    source = Source(display_path(path))
    errors_before = report.errors
    text = read_text(path, report)
    if text is None:
        return None
    doc = parse_yaml(text, source, report)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        report.error("wrong-type", "a quiz file should be a mapping with 'title' and "
                     "'questions'", doc.pos(()), "see docs/quizzes.md for an example")
        return None
    schema.check(doc, schema.QUIZ_FILE, report, "quiz")
    if report.errors > errors_before:
        return None
    data = doc.data
    intro_line = doc.pos(("intro",)).line + 1 if "intro" in data else 1
    return Lesson(
        id=data.get("id") or lesson_id_from_name(path.stem), title=data["title"],
        summary=data.get("summary") or "", minutes=data.get("minutes"),
        markdown=data.get("intro") or "", body_line=intro_line, path=path,
        source=source.at(1, 1), quiz=quiz_from(doc, ()),
    )
