"""Rules over the whole course model that no single file can check on its own."""

from __future__ import annotations

import math

from . import units
from .captions import captions_for
from .diagnostics import Report
from .model import Course, Lesson, Question, Video
from .schema import did_you_mean
from .timecode import clock

# Far beyond any real course; keeps the progress record (suspend_data) within bounds.
MAX_LESSONS = 2000


def check_course(course: Course, report: Report) -> None:
    """Add a diagnostic for every cross-object problem found in the course."""
    seen_modules: dict[str, object] = {}
    for module in course.modules:
        if not module.id:
            continue  # reported as missing already
        if module.id in seen_modules:
            report.error("duplicate-id", f"module id '{module.id}' is used twice", module.source,
                         f"the first use is at {seen_modules[module.id]}; ids must be unique")
        else:
            seen_modules[module.id] = module.source
    seen_lessons: dict[str, object] = {}
    for lesson in course.lessons:
        if lesson.id in seen_lessons:
            how = {".gift": "rename the file (a GIFT quiz's id is its file name)",
                   ".yaml": "set a different 'id:' in the quiz file",
                   ".yml": "set a different 'id:' in the quiz file"}.get(
                lesson.path.suffix.lower(), "set a different 'id:' in the front matter")
            report.error("duplicate-id", f"lesson id '{lesson.id}' is used twice", lesson.source,
                         f"the first use is {seen_lessons[lesson.id]}; {how}")
        else:
            seen_lessons[lesson.id] = lesson.source
        if lesson.video is not None:
            units.run("video", lesson.path, report,
                      lambda own, video=lesson.video: check_video(video, own))
        if lesson.quiz is not None:
            check_quiz(lesson, report)
        if not lesson.markdown.strip() and lesson.video is None and lesson.quiz is None:
            # at the body's first line, or at the front matter's end when the file ends there
            line = lesson.body_line if lesson.markdown.count("\n") else lesson.body_line - 1
            report.warning("empty-lesson", f"lesson '{lesson.title}' has no content",
                           lesson.source.at(max(1, line), 1),
                           "write the lesson below the front matter")
    check_assessment(course, report)
    check_progress_budget(course, report)
    check_references(course, report)
    if len(course.lessons) > MAX_LESSONS:
        report.error("too-many-lessons", f"the course has {len(course.lessons)} lessons; "
                     f"the limit is {MAX_LESSONS}", course.source,
                     "split the course into several courses")


def check_video(video: Video, report: Report) -> None:
    """Timing rules for a video's transcript, and captions the source timing forces out of
    the readable 1-7 s range."""
    transcript = video.transcript
    errors_before = report.errors
    if transcript is None:
        if video.src or video.url:
            report.warning("video-no-transcript", "the video has no transcript, so it has no "
                           "captions", video.source,
                           "add 'transcript:' with a .vtt, .srt or timestamped .txt file")
        return
    previous = None
    for cue in transcript.cues:
        if cue.end < cue.start:
            report.error("cue-end-before-start", f"cue ends at {clock(cue.end)}, before it "
                         f"starts at {clock(cue.start)}", cue.source,
                         "swap or correct the two times")
        elif cue.end == cue.start:
            report.error("cue-zero-length", f"cue at {clock(cue.start)} starts and ends at "
                         "the same time", cue.source, "give the cue a later end time")
        if not cue.text.strip():
            report.error("cue-empty", f"cue at {clock(cue.start)} has no text", cue.source,
                         "remove the cue or write its text")
        if previous is not None:
            if cue.start < previous.start:
                report.error("cue-out-of-order", f"cue at {clock(cue.start)} comes after one "
                             f"at {clock(previous.start)}", cue.source,
                             "order the cues by start time")
            elif cue.start < previous.end:
                report.error("cue-overlap", f"cue at {clock(cue.start)} starts before the "
                             f"previous cue ends ({clock(previous.end)})", cue.source,
                             "end the previous cue before this one starts")
        if video.duration is not None and cue.end > video.duration:
            report.error("cue-beyond-video", f"cue at {clock(cue.start)} ends at "
                         f"{clock(cue.end)}, after the video ends ({clock(video.duration)})",
                         cue.source, "check the cue times or the video's 'duration:'")
        previous = cue
    if report.errors > errors_before:
        return
    for note in captions_for(transcript)[1]:
        kind = "shorter than 1 s" if note.duration < 1000 else "longer than 7 s"
        report.warning("caption-timing", f"a caption at {clock(note.cue.start)} is {kind} "
                       f"({note.duration / 1000:.1f} s) because of the transcript's timing",
                       note.cue.source, "give this part more time, or less text"
                       if note.duration < 1000 else "split this part into shorter cues")


# SCORM 1.2 answers name choices by single characters 0-9 and a-z (RTE 3.4.2.3.3).
MAX_CHOICES = 36
MAX_RESPONSE = 255  # CMIString255: student_response and correct_responses.n.pattern

_TYPE_FIELDS = {
    "single": {"options"}, "multiple": {"options"}, "true-false": {"answer"},
    "fill-in": {"answers", "case_sensitive"}, "numeric": {"answer", "range", "tolerance"},
    "matching": {"pairs"},
    "ordering": {"items"},
}


def check_quiz(lesson: Lesson, report: Report) -> None:
    """The rules a quiz must meet whatever file it came from."""
    quiz = lesson.quiz
    seen: dict[str, object] = {}
    for q in quiz.questions:
        where = q.source
        if q.id in seen:
            report.error("duplicate-id", f"question id '{q.id}' is used twice in this quiz",
                         where, f"the first use is at {seen[q.id]}; ids must be unique")
        seen.setdefault(q.id, where)
        _check_question(q, report)
    if quiz.draw is not None and quiz.draw > len(quiz.questions):
        report.error("quiz-draw-too-many", f"the quiz draws {quiz.draw} questions but has only "
                     f"{len(quiz.questions)}", quiz.where("draw", lesson.source),
                     f"set 'draw' to at most {len(quiz.questions)}, or add questions")
    if quiz.pass_mark is not None and not any(q.weight > 0 for q in quiz.questions):
        report.error("quiz-no-weight", "every question of this quiz has weight 0, so no one "
                     "can reach its pass mark", quiz.where("pass_mark", lesson.source),
                     "give some questions a weight")


def _check_question(q: Question, report: Report) -> None:
    where = q.source
    present = {"options": bool(q.options),
               "answer": q.answer is not None or q.number is not None,
               "answers": bool(q.answers), "range": q.low is not None, "pairs": bool(q.pairs),
               "items": bool(q.items), "tolerance": bool(q.tolerance),
               "case_sensitive": q.case_sensitive}
    # A YAML question's keys are judged as written, whatever their values; a GIFT question
    # by what it gave.
    written = ({key: at for key, at in q.written if key in present} if q.written else
               {name: where for name, given in present.items() if given})
    for name, at in written.items():
        if name not in _TYPE_FIELDS[q.type]:
            report.warning("quiz-field-ignored", f"'{name}' is not used by a {q.type} "
                           f"question", at, f"a {q.type} question uses: "
                           f"{', '.join(sorted(_TYPE_FIELDS[q.type]))}")
    if q.type == "numeric" and "answer" in written and "range" in written:
        report.warning("quiz-field-ignored", f"question '{q.id}' gives both 'answer' and "
                       "'range'; the range is used", written["answer"],
                       "keep one: 'answer' (with 'tolerance') or 'range'")
    if q.type in ("single", "multiple"):
        right = sum(1 for o in q.options if o.correct)
        if len(q.options) < 2:
            report.error("quiz-missing-answer", f"{q.type} question '{q.id}' needs at least two "
                         "options", where, "add options under 'options:'")
        elif right == 0:
            report.error("quiz-no-correct", f"question '{q.id}' has no correct option", where,
                         "mark the right option with 'correct: true'")
        elif q.type == "single" and right > 1:
            report.error("quiz-several-correct", f"single-choice question '{q.id}' has {right} "
                         "correct options", where,
                         "keep one correct option, or make it 'type: multiple'")
        _check_count(q, len(q.options), "options", report)
    elif q.type == "true-false" and q.answer is None:
        report.error("quiz-missing-answer", f"true/false question '{q.id}' needs "
                     "'answer: true' or 'answer: false'", where)
    elif q.type == "fill-in":
        if not [a for a in q.answers if a.strip()]:
            report.error("quiz-missing-answer", f"fill-in question '{q.id}' has no accepted "
                         "answer", where, "list the accepted answers under 'answers:'")
        for answer in q.answers:
            if len(answer) > MAX_RESPONSE:
                report.error("too-long", f"an answer of '{q.id}' is {len(answer)} characters; "
                             f"an LMS stores at most {MAX_RESPONSE}", q.where("answers"))
    elif q.type == "numeric":
        if q.number is None and q.low is None:
            report.error("quiz-missing-answer", f"numeric question '{q.id}' needs 'answer:' "
                         "(with an optional 'tolerance:') or 'range: [low, high]'", where)
        elif q.low is not None and q.low > q.high:
            report.error("bad-value", f"the range of '{q.id}' starts above its end",
                         q.where("range"), "write the range as [lowest, highest]")
        elif q.low is None and not all(math.isfinite(q.number + sign * q.tolerance)
                                       for sign in (-1, 1)):
            report.error("out-of-range", f"the answer of '{q.id}' give or take its tolerance "
                         "goes beyond the numbers a page can hold", q.where("answer"),
                         "use a smaller answer or tolerance")
    elif q.type == "matching":
        _check_count(q, len(q.pairs), "pairs", report)
        _check_unique(q, [left for left, _ in q.pairs], "items to match", report)
        _check_unique(q, [right for _, right in q.pairs], "matches", report)
    elif q.type == "ordering":
        _check_count(q, len(q.items), "items", report)
        _check_unique(q, list(q.items), "items", report)
    if q.weight <= 0:
        report.warning("quiz-zero-weight", f"question '{q.id}' has weight 0 and does not "
                       "count in the score", where)


def _check_count(q: Question, count: int, what: str, report: Report) -> None:
    if count > MAX_CHOICES:
        report.error("too-many-options", f"question '{q.id}' has {count} {what}; SCORM 1.2 "
                     f"names answers by one character, so at most {MAX_CHOICES} fit",
                     q.where(what),
                     "split the question in two")


def _check_unique(q: Question, texts: list[str], what: str, report: Report) -> None:
    """Entries must differ as the learner sees them: as plain text (a select list shows no
    emphasis), spacing aside."""
    from .markdown import plain_text
    shown = [plain_text(text) for text in texts]
    if len(set(shown)) != len(shown):
        report.error("quiz-ambiguous", f"question '{q.id}' lists the same {what} twice",
                     q.where("pairs" if q.type == "matching" else "items"),
                     "make every entry different so answers can be told apart")


def check_assessment(course: Course, report: Report) -> None:
    """`completion.assessment` must name a quiz with a pass mark."""
    name = course.completion.assessment
    if not name:
        return
    lesson = next((x for x in course.lessons if x.id == name), None)
    if lesson is None and len(course.lessons) < len(course.lesson_files):
        return  # a lesson file that could not be read; its own errors say why
    if lesson is None or lesson.quiz is None:
        if any(x.id == name and x.quiz is not None for x in course.lessons):
            return  # its id is taken twice, which duplicate-id reports
        quizzes = [x.id for x in course.lessons if x.quiz is not None]
        report.error("unknown-assessment", f"completion.assessment names '{name}', which is "
                     "not a quiz of this course", course.completion.source or course.source,
                     did_you_mean(name, quizzes) or f"quizzes: {', '.join(quizzes) or 'none'}")
    elif lesson.quiz.pass_mark is None:
        report.error("assessment-no-pass-mark", f"the assessment '{name}' has no pass mark",
                     lesson.source, "add 'pass_mark: 80' (percent) to the quiz")


def check_references(course: Course, report: Report) -> None:
    """Reference keys are unique; entries have a year and a title; the lesson id of the
    References page is not taken by a lesson."""
    from .citations import REFERENCES_ID

    for lesson in course.lessons:
        if lesson.id == REFERENCES_ID:
            report.error("reserved-id", f"the lesson id '{REFERENCES_ID}' is reserved for the "
                         "course's References page", lesson.source,
                         "set another 'id:' in the front matter, e.g. 'id: reading-list'")
    first: dict[str, object] = {}
    for ref in course.references:
        if ref.key in first:
            report.error("duplicate-reference", f"reference key '{ref.key}' is used twice",
                         ref.source, f"the first use is at {first[ref.key]}; give each "
                         "reference its own key")
            continue
        first[ref.key] = ref.source
        if ref.raw:
            continue      # reported as reference-unparsed
        missing = [what for what, value in (("year", ref.issued), ("title", ref.title))
                   if not value]
        if missing:
            report.warning("reference-incomplete", f"reference '{ref.key}' has no "
                           f"{' and no '.join(missing)}", ref.source,
                           "add the " + " and the ".join(missing) +
                           " so the entry can be found and cited properly")


# SCORM 1.2 keeps at most 4,096 characters of suspend_data (CMIString4096). The runtime
# drops stored answers first; what it cannot drop is this much per lesson and per quiz.
SUSPEND_LIMIT_12 = 4096
_RECORD_PER_QUIZ = 36   # "index:used:seed:score:best:flag:" at their longest, and a ";"


def check_progress_budget(course: Course, report: Report) -> None:
    if "scorm12" not in course.targets:
        return
    quizzes = sum(1 for lesson in course.lessons if lesson.quiz is not None)
    essential = 4 + -(-len(course.lessons) // 6) + quizzes * _RECORD_PER_QUIZ
    if essential > SUSPEND_LIMIT_12:
        report.warning("progress-record-too-long", f"with {len(course.lessons)} lessons and "
                       f"{quizzes} quizzes the learner's progress may need {essential} "
                       f"characters; SCORM 1.2 keeps {SUSPEND_LIMIT_12}", course.source.at(1, 1),
                       "build for scorm2004 (64,000 characters), or split the course")
