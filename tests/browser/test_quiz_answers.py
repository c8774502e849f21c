"""Answers as learners give them, and what reaches the LMS: text longer than the LMS holds,
fill-in answers with commas, numbers written in ways the data models do not know, answers
still being typed when the page goes, and what the review shows (or hides).

The courses are written here, one quiz each, and built for SCORM 1.2 and 2004; scorm-again is
the LMS."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .quiz_driver import QuizOnPage, load_quiz_lesson

pytestmark = pytest.mark.browser

QUIZ = "check"


def write_course(folder: Path, quiz: dict) -> Path:
    """A course of one text lesson and the quiz `check`, which is its assessment."""
    (folder / "quizzes").mkdir(parents=True)
    course = {"id": folder.name, "title": "Answers", "language": "en", "version": "1.0",
              "completion": {"rule": "all-lessons", "assessment": QUIZ},
              "modules": [{"id": "only", "title": "Only",
                           "lessons": ["intro.md", f"quizzes/{QUIZ}.yaml"]}]}
    (folder / "course.yaml").write_text(yaml.safe_dump(course), encoding="utf-8")
    (folder / "intro.md").write_text("---\ntitle: Before the quiz\n---\nRead on.\n",
                                     encoding="utf-8")
    (folder / "quizzes" / f"{QUIZ}.yaml").write_text(yaml.safe_dump(quiz), encoding="utf-8")
    return folder


TEXT_QUIZ = {
    "title": "Typed answers", "pass_mark": 50, "questions": [
        {"id": "city", "type": "fill-in", "prompt": "Where is the Louvre?",
         "answers": ["Paris", "Paris, France"]},
        {"id": "essay", "type": "fill-in", "prompt": "Say something short.",
         "answers": ["short"]},
        {"id": "sixteen", "type": "numeric", "prompt": "Sixteen?", "answer": 16},
    ]}


@pytest.fixture(scope="module")
def text_course(tmp_path_factory) -> Path:
    return write_course(tmp_path_factory.mktemp("typed") / "typed-answers", TEXT_QUIZ)


def start_quiz(lms_for, build_package, folder: Path, standard: str):
    lms = lms_for(build_package(folder, standard)).launch()
    lms.course.locator(f".cp-toc a[data-lesson='{QUIZ}']").click()
    return lms, QuizOnPage(lms.course, QUIZ, load_quiz_lesson(folder, QUIZ).quiz.questions)


def refused(lms) -> list:
    """Calls the LMS answered with "false"."""
    return [entry for entry in lms.log() if entry[2] == "false"]


def patterns_of(record: dict) -> list[str]:
    return [r["pattern"] for r in record["correct_responses"].values()]


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_long_text_and_commas_reach_the_lms(lms_for, build_package, text_course, standard):
    """Fill-in responses are cut to what the standard holds (SCORM 1.2: 255 characters, 2004:
    250 a string), and a SCORM 2004 fill-in pattern with a comma, which an LMS may read as a
    list, is left out; grading is the runtime's and still accepts it."""
    lms, quiz = start_quiz(lms_for, build_package, text_course, standard)
    quiz.answer_all(["Paris, France", "y" * 300, "16"])
    assert quiz.submit().startswith("You scored 66.67%.")
    assert refused(lms) == []
    assert lms.course.locator("#cp-status").inner_text() == ""
    response = "student_response" if lms.v12 else "learner_response"
    city, essay = lms.value("cmi.interactions.0"), lms.value("cmi.interactions.1")
    assert (city[response], city["result"]) == ("Paris, France", "correct")
    assert patterns_of(city) == (["Paris", "Paris, France"] if lms.v12 else ["Paris"])
    assert essay[response] == "y" * (255 if lms.v12 else 250)


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_numbers_are_graded_as_they_are_reported(lms_for, build_package, text_course,
                                                 standard):
    """A numeric answer is a plain decimal, with a point or a comma: "0x10", "1.6e1" or
    "Infinity" are no answer of that kind (wrong, and no response reaches the LMS), and the
    LMS receives the number that was graded."""
    lms, quiz = start_quiz(lms_for, build_package, text_course, standard)
    response = "student_response" if lms.v12 else "learner_response"
    wrong = "wrong" if lms.v12 else "incorrect"
    typed = ["0x10", "1.6e1", "0b10000", "Infinity", "+16,0"]
    for attempt, number in enumerate(typed):
        if attempt:
            quiz.retry()
        quiz.answer_all(["Paris", "short", number])
        last = attempt == len(typed) - 1
        assert quiz.submit().startswith("You scored 100%." if last else "You scored 66.67%.")
        record = lms.value(f"cmi.interactions.{3 * attempt + 2}")
        assert (record["result"], record[response]) == \
            (("correct", "16.0") if last else (wrong, "")), number
    assert refused(lms) == []


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_text_being_typed_is_kept_when_the_page_goes(lms_for, build_package, text_course,
                                                     standard):
    """The LMS closes the SCO while the learner is still in a text box (no change event
    yet): what was typed is in the record, and back after a relaunch."""
    built = build_package(text_course, standard)
    lms, quiz = start_quiz(lms_for, build_package, text_course, standard)
    box = lms.course.locator(f"[id='quiz-{QUIZ}-city-answer']")
    box.click()
    lms.page.keyboard.type("Paris")
    lms.unload()
    again = lms_for(built).launch(lms.cmi())
    again.course.locator(f".cp-toc a[data-lesson='{QUIZ}']").wait_for()
    assert again.course.locator(f"[id='quiz-{QUIZ}-city-answer']").input_value() == "Paris"


NO_REVIEW_QUIZ = {
    "title": "No review", "review": False, "pass_mark": 100, "attempts": 2, "questions": [
        {"id": "pick", "type": "single", "prompt": "Pick A.",
         "options": [{"text": "A", "correct": True}, {"text": "B", "feedback": "B is wrong"}]},
        {"id": "word", "type": "fill-in", "prompt": "Type yes.", "answers": ["yes"]},
    ]}

# Each question's classes, verdict and fieldset border colour.
CUES = """(section) => [...section.querySelectorAll('.cp-question')].map(q => ({
  classes: q.className, verdict: q.querySelector('.cp-verdict').textContent,
  border: getComputedStyle(q.querySelector('fieldset')).borderTopColor}))"""


@pytest.fixture(scope="module")
def no_review_course(tmp_path_factory) -> Path:
    return write_course(tmp_path_factory.mktemp("no-review") / "no-review", NO_REVIEW_QUIZ)


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_no_review_shows_only_the_score(lms_for, build_package, no_review_course, standard):
    """`review: false`: after submitting, nothing marks a question right or wrong, not even
    the colour of its frame."""
    lms, quiz = start_quiz(lms_for, build_package, no_review_course, standard)
    plain = quiz.section.evaluate(CUES)[0]["border"]
    quiz.answer_all([0, "no"])                      # one right, one wrong
    assert quiz.submit().startswith("You scored 50%.")
    shown = quiz.section.evaluate(CUES)
    assert [q["verdict"] for q in shown] == ["", ""]
    assert not [q for q in shown if "cp-right" in q["classes"] or "cp-wrong" in q["classes"]]
    assert [q["border"] for q in shown] == [plain, plain]


REVIEW_QUIZ = {
    "title": "Review", "pass_mark": 100, "attempts": 2, "questions": [
        {"id": "pick", "type": "single", "prompt": "Pick A.",
         "options": [{"text": "A", "correct": True}, {"text": "B", "feedback": "B is wrong"}]},
        {"id": "both", "type": "multiple", "prompt": "Pick A and C.",
         "options": [{"text": "A", "correct": True}, {"text": "B"},
                     {"text": "C", "correct": True}]},
        {"id": "word", "type": "fill-in", "prompt": "Type yes.", "answers": ["yes"]},
    ]}

# What the review shows: each visible text of the quiz's questions, and the options marked as
# the right answer whose "(correct answer)" label can be seen.
REVIEW = """(section) => ({
  text: [...section.querySelectorAll('.cp-question')].map(q => q.innerText),
  keys: [...section.querySelectorAll('.cp-key .cp-key-label')]
          .filter(l => l.getClientRects().length > 0).map(l => l.closest('.cp-option').innerText),
})"""


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_review_is_the_same_after_a_relaunch(lms_for, build_package, tmp_path_factory,
                                             standard):
    folder = write_course(tmp_path_factory.mktemp("review") / "review", REVIEW_QUIZ)
    built = build_package(folder, standard)
    lms, quiz = start_quiz(lms_for, build_package, folder, standard)
    quiz.answer_all([1, [1], "no"])
    assert quiz.submit().startswith("You scored 0%.")
    before = quiz.section.evaluate(REVIEW)
    assert len(before["keys"]) == 3 and all("(correct answer)" in k for k in before["keys"])
    lms.unload()
    again = lms_for(built).launch(lms.cmi())
    assert again.visible_lessons() == [QUIZ]
    assert QuizOnPage(again.course, QUIZ, []).section.evaluate(REVIEW) == before


TINY_AND_HUGE_QUIZ = {
    "title": "Small and large numbers", "pass_mark": 50, "questions": [
        {"id": "wave", "type": "numeric", "prompt": "Wavelength of green light in metres?",
         "answer": 0.00000055, "tolerance": 0.00000005},
        {"id": "exact", "type": "numeric", "prompt": "The same, exactly?", "answer": 0.00000055},
        {"id": "huge", "type": "numeric", "prompt": "Three zettametres in metres?",
         "answer": 3e21},
    ]}


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_numeric_patterns_are_plain_decimals(lms_for, build_package, tmp_path_factory,
                                             standard):
    """Correct-response patterns of very small and very large numbers are written as plain
    decimals (SCORM 1.2 CMIDecimal, 2004 real(10,7)), never in exponent notation (5e-7),
    which a SCORM 2004 LMS refuses. A number a SCORM 2004 real(10,7) cannot hold (more than
    ten digits before the point) has no pattern there."""
    folder = write_course(tmp_path_factory.mktemp("tiny") / "tiny-numbers", TINY_AND_HUGE_QUIZ)
    lms, quiz = start_quiz(lms_for, build_package, folder, standard)
    quiz.answer_all(["0.00000055", "0,00000055", "3000000000000000000000"])
    assert quiz.submit().startswith("You scored 100%.")
    found = [patterns_of(lms.value(f"cmi.interactions.{n}")) for n in range(3)]
    if lms.v12:
        assert found == [[], ["0.00000055"], ["3000000000000000000000"]]
    else:
        assert found == [["0.0000005[:]0.0000006"], ["0.00000055[:]0.00000055"],
                         []]
    assert refused(lms) == []
    assert lms.course.locator("#cp-status").inner_text() == ""


ORDER_FIRST_QUIZ = {
    "title": "Order first", "pass_mark": 100, "questions": [
        {"id": "steps", "type": "ordering", "prompt": "Put the steps in order.",
         "items": ["Wet", "Soap", "Rinse"]},
        {"id": "city", "type": "fill-in", "prompt": "Where is the Louvre?", "answers": ["Paris"]},
    ]}


@pytest.fixture(scope="module")
def order_first_course(tmp_path_factory) -> Path:
    return write_course(tmp_path_factory.mktemp("order") / "order-first", ORDER_FIRST_QUIZ)


def test_try_again_puts_the_focus_on_a_control_it_can_take(lms_for, build_package,
                                                            order_first_course):
    """The first control of an ordering question that comes first is its first item's Move
    up, which is off: Try again puts the focus on the first control that is on, not on the
    page's body."""
    lms, quiz = start_quiz(lms_for, build_package, order_first_course, "scorm12")
    quiz.section.locator("[name='quiz-check-city']").fill("Rome")
    quiz.submit()
    quiz.retry()
    focused = lms.frame.evaluate(
        "() => { const a = document.activeElement;"
        " return [a.tagName, a.disabled, !!a.closest('[data-question=\"steps\"]')]; }")
    assert focused == ["BUTTON", False, True]
