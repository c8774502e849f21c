"""The GIFT quiz reader: every question type it reads, every syntax error with its place, and
diagnostics (never a traceback) whatever the text."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import write_course
from coursepack.diagnostics import Report, Source, display_path
from coursepack.load.gift import BLANK, parse_gift, read_gift_file
from coursepack.model import Option, Question
from coursepack.pipeline import check
from coursepack.schema import ID_PATTERN

FIXTURES = Path(__file__).parent / "fixtures" / "gift"


def read(name: str):
    report = Report()
    return read_gift_file(FIXTURES / name, report), report


def parse(text: str, name: str = "quiz.gift"):
    report = Report()
    return parse_gift(text, Path(name), report), report


def found(report):
    return [(d.severity, d.code, d.line, d.column) for d in report.sorted()]


def test_every_question_type_becomes_the_model():
    lesson, report = read("all-types.gift")
    assert report.items == []
    at = Source(display_path(FIXTURES / "all-types.gift")).at
    assert (lesson.id, lesson.title, lesson.markdown, lesson.source) == (
        "all-types", "Every kind of question", "", at(1, 1))
    quiz = lesson.quiz
    assert (quiz.pass_mark, quiz.attempts, quiz.shuffle_questions, quiz.shuffle_options,
            quiz.draw, quiz.review) == (80, 2, True, True, 10, False)
    expected = [
        Question("capital-of-france", "single", "What is the capital of France?", at(10),
                 options=(Option("Paris", True, "Right, Paris."),
                          Option("London", False, "No, that is in England."),
                          Option("Berlin")),
                 explanation="Paris has been the capital since 987."),
        Question("grant-s-tomb", "multiple", "Who is buried in Grant's tomb?", at(18),
                 options=(Option("No one"), Option("Grant", True, "One of two."),
                          Option("Grant's wife", True), Option("Grant's father"))),
        Question("true-or-false", "true-false", "The sun is a star.", at(25), answer=True,
                 feedback_correct="Yes, a star.", feedback_incorrect="Look again."),
        Question("q4", "true-false", "The moon is a **planet**.", at(27), answer=False),
        Question("fill-in", "fill-in", "Two plus two, in words?", at(30),
                 answers=("four", "Four"), feedback_correct="Well done."),
        Question("pi", "numeric", "Pi to two decimal places?", at(32), number=3.14,
                 tolerance=0.005, written=(("answer", at(32, 35)),)),
        Question("q7", "numeric", "A whole number from 1 to 5?", at(34), low=1.0, high=5.0,
                 explanation="Any of 1, 2, 3, 4 or 5.", written=(("range", at(34, 30)),)),
        Question("q8", "numeric", "How many legs has a spider?", at(36), number=8.0,
                 written=(("answer", at(36, 30)),)),
        Question("matching", "matching", "Match each animal with its Spanish name.", at(38),
                 pairs=(("cat", "gato"), ("dog", "perro"), ("bird", "pájaro"))),
        Question("q10", "single", f"The cat {BLANK} on the mat.", at(44),
                 options=(Option("sat", True), Option("stood"), Option("ran"))),
        Question("capital-of-france-2", "single", "A title used twice gets a number.", at(46),
                 options=(Option("yes", True), Option("no"))),
        Question("q12", "single",
                 "Escapes: {braces}, = ~ # and a colon: here.\nA new line.", at(48),
                 options=(Option("a=b", True, "right # one"), Option("c~d"))),
    ]
    assert len(quiz.questions) == len(expected)
    for question, wanted in zip(quiz.questions, expected):
        assert question == wanted


def test_unsupported_features_are_warned_about_and_the_rest_is_read():
    lesson, report = read("warnings.gift")
    assert found(report) == [
        ("warning", "gift-unknown-setting", 1, 4),
        ("warning", "gift-category", 3, 1),
        ("warning", "gift-description", 5, 1),
        ("warning", "gift-html", 7, 1),
        ("warning", "gift-partial-credit", 9, 19),
        ("warning", "gift-partial-credit", 9, 35),
        ("warning", "gift-partial-credit", 11, 20),
        ("warning", "gift-dropped", 11, 31),
        ("warning", "gift-partial-credit", 13, 19),
        ("warning", "gift-dropped", 15, 25),
        ("warning", "gift-no-mark", 17, 8),
    ]
    assert report.items[0].hint == "did you mean 'pass_mark'?"
    assert (lesson.title, lesson.quiz.pass_mark) == ("Warnings", None)
    html, pick, spell, roughly, match, bare = lesson.quiz.questions
    assert (html.prompt, html.answer) == ("<b>Bold</b> is HTML.", True)
    assert [o.correct for o in pick.options] == [True, False, False]
    assert (spell.answers, spell.feedback_correct) == (("colour", "color"), "")
    assert (roughly.number, roughly.tolerance) == (3.0, 0.5)
    assert match.pairs == (("a", "1"), ("b", "2"))
    assert (bare.type, bare.answers) == ("fill-in", ("yes",))


@pytest.mark.parametrize("name, errors", [
    ("unclosed-brace.gift", [("gift-syntax", 1, 21)]),
    ("stray-brace.gift", [("gift-syntax", 2, 17)]),
    ("brace-before-block.gift", [("gift-syntax", 1, 17)]),
    ("unclosed-title.gift", [("gift-syntax", 1, 1)]),
    ("empty-answer.gift", [("gift-empty-answer", 1, 22)]),
    ("matching-no-arrow.gift", [("gift-bad-matching", 3, 3)]),
    ("matching-one-pair.gift", [("gift-bad-matching", 1, 11)]),
    ("bad-number.gift", [("gift-bad-number", 1, 12)]),
    ("essay.gift", [("gift-unsupported", 1, 15)]),
    ("second-block.gift", [("gift-syntax", 1, 21)]),
    ("tilde-equals.gift", [("gift-syntax", 1, 9)]),
    ("bad-weight.gift", [("gift-syntax", 1, 12)]),
    ("text-before-answer.gift", [("gift-syntax", 1, 9)]),
    ("no-text.gift", [("gift-no-text", 1, 18)]),
    ("bad-setting.gift", [("gift-bad-setting", 1, 15), ("gift-bad-setting", 2, 12)]),
    ("no-questions.gift", [("gift-no-questions", 1, 1)]),
    ("several-errors.gift", [("gift-syntax", 1, 7), ("gift-bad-number", 3, 9),
                             ("gift-bad-matching", 7, 8)]),
])
def test_syntax_errors_name_their_place(name, errors):
    lesson, report = read(name)
    assert lesson is None
    assert found(report) == [("error", *error) for error in errors]
    assert all(d.hint for d in report.items)


def test_an_error_message_in_full():
    _, report = read("unclosed-brace.gift")
    [d] = report.items
    assert d.file.endswith("unclosed-brace.gift")
    assert d.message == "'{' opens an answer block that is not closed"
    assert d.hint == ("close it with '}' before the next '{' or blank line (a blank line "
                      "ends a question); write \\{ for a brace in text")


@pytest.mark.parametrize("text, type_, right", [
    ("Q {~%50%a ~%50%b ~%-100%c}", "multiple", [True, True, False]),
    ("Q {~%100%a ~b}", "single", [True, False]),
    ("Q {=a ~%100%b}", "single", [True, False]),      # '=' rules; a warning for b
    ("Q {~a ~b}", "single", [False, False]),          # no right option: validate.py says so
])
def test_which_options_are_right(text, type_, right):
    lesson, _ = parse(text)
    [question] = lesson.quiz.questions
    assert (question.type, [o.correct for o in question.options]) == (type_, right)


def test_a_numeric_question_keeps_one_answer():
    lesson, report = parse("Q {#=3 =-3}")
    assert lesson.quiz.questions[0].number == 3.0
    assert found(report) == [("warning", "gift-dropped", 1, 8)]


def test_ids_from_titles_are_slugged_unique_and_short():
    long_title = "A very long title " * 10
    text = "\n\n".join([f"::{long_title}:: One {{T}}", f"::{long_title}:: Two {{T}}",
                        "::Größe:: Three {T}", "::---:: Four {T}", "::q5:: Five {T}",
                        "Six {T}"])
    lesson, report = parse(text)
    assert report.items == []
    ids = [q.id for q in lesson.quiz.questions]
    assert ids[0] == "a-very-long-title-a-very-long-title-a-very-long-title-a-very-lon"
    assert ids[1] == "a-very-long-title-a-very-long-title-a-very-long-title-a-very-l-2"
    assert ids[2:] == ["gro-e", "q4", "q5", "q6"]


def test_title_and_id_from_the_file_name():
    lesson, _ = parse("Q {T}", "Unit 3_safety-check.gift")
    assert (lesson.title, lesson.id) == ("Unit 3 safety check", "unit-3-safety-check")


def test_questions_keep_their_place_across_comments_and_indentation():
    text = "// title: Places\n\n  // a comment\n  ::A:: First\n// inside\n  {=x ~y}\n\n\n" \
           "Second {\n   =a\n   =b}\n"
    lesson, report = parse(text)
    assert report.items == []
    assert [(q.source.line, q.source.column) for q in lesson.quiz.questions] == [(4, 3), (9, 1)]
    _, report = parse(text.replace("=b}", "=}"))
    assert found(report) == [("error", "gift-empty-answer", 11, 4)]


def test_settings_are_read_only_before_the_first_question():
    lesson, report = parse("// pass_mark: 50\nQ {T}\n\n// pass_mark: nonsense\nR {F}\n")
    assert report.items == [] and lesson.quiz.pass_mark == 50
    _, report = parse("// attempts: 1\n// Attempts: 2\n\nQ {T}\n")
    assert found(report) == [("error", "gift-bad-setting", 2, 4)]


def test_the_comments_of_a_moodle_export_are_only_comments():
    lesson, report = parse("// question: 0  name: Switch category to $course$/top/Default\n"
                           "$CATEGORY: $course$/top/Default\n\n\n// question: 1  name: Q1\n"
                           "::Q1::Hello? {T}\n")
    assert found(report) == [("warning", "gift-category", 2, 1)]
    assert [q.id for q in lesson.quiz.questions] == ["q1"]


def test_windows_line_ends_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "crlf.gift"
    path.write_bytes(b"\xef\xbb\xbf// title: Windows\r\n\r\nQ {\r\n=a\r\n~b}\r\n")
    report = Report()
    lesson = read_gift_file(path, report)
    assert report.items == [] and lesson.title == "Windows"
    assert lesson.quiz.questions[0].options == (Option("a", True), Option("b"))


def course_with(tmp_path, gift: str) -> Path:
    return write_course(tmp_path / "c", {
        "course.yaml": """
            id: gifted
            title: A GIFT quiz
            language: en
            version: "1.0"
            completion:
              assessment: quiz
            modules:
              - id: only
                title: Only module
                lessons:
                  - lessons/quiz.gift
            """,
        "lessons/quiz.gift": gift,
    })


def test_a_gift_quiz_passes_the_course_checks(tmp_path):
    report = Report()
    checked = check(course_with(tmp_path, (FIXTURES / "all-types.gift").read_text()), report)
    assert report.items == [] and checked.ok
    assert checked.course.pass_mark == 80


def test_quiz_rules_are_left_to_validate(tmp_path):
    lesson, report = parse("No right answer {~a ~b}")
    assert lesson is not None and report.items == []
    report = Report()
    check(course_with(tmp_path, "// pass_mark: 50\n\nNo right answer {~a ~b}\n"), report)
    assert [(d.code, d.line) for d in report.items] == [("quiz-no-correct", 3)]



def test_a_numeric_rule_points_at_the_answer_it_is_about(tmp_path):
    report = Report()
    check(course_with(tmp_path, "// pass_mark: 50\n\nHow many? {#5..3}\n\n"
                                "And? {#1e308:1e308}\n"), report)
    assert [(d.code, d.line, d.column) for d in report.items] == [
        ("bad-value", 3, 12), ("out-of-range", 5, 7)]



def test_a_quiz_rule_points_at_the_setting_it_is_about(tmp_path):
    report = Report()
    check(course_with(tmp_path, "// pass_mark: 50\n// draw: 3\n\nOne? {T}\n"), report)
    assert [(d.code, d.line, d.column) for d in report.items] == [
        ("quiz-draw-too-many", 2, 4)]


# Any text at all, and text made of GIFT's pieces, which reaches deeper into the reader.
PIECES = st.lists(st.sampled_from([
    "=", "~", "#", "%50%", "%-100%", "%100%", "%x%", "->", "..", ":", "::", "####", "\\",
    "\\{", "\\n", "T", "FALSE", "a", "b c", "1", "2.5", "-3", "1e999", " ", "\n", "\n\n",
    "{", "}", "[html]", "[plain]", "$CATEGORY:", "//", "%", "ä", "\t",
]), max_size=14).map("".join)
QUESTION = st.tuples(PIECES, PIECES, PIECES).map(lambda parts: "{}{{{}}}{}".format(*parts))
GIFT_TEXT = st.text(max_size=200) | st.lists(QUESTION | PIECES, max_size=5).map("\n\n".join)


@settings(max_examples=500, deadline=None)
@given(GIFT_TEXT)
def test_any_text_gives_a_quiz_or_diagnostics(text):
    lesson, report = parse(text)
    lines = text.count("\n") + 1
    assert all(1 <= d.line <= lines and d.column >= 1 for d in report.items)
    if lesson is None:
        assert report.errors > 0
        return
    ids = [q.id for q in lesson.quiz.questions]
    assert lesson.quiz.questions and len(set(ids)) == len(ids)
    assert all(re.match(ID_PATTERN, qid) for qid in ids)
    assert all(q.prompt for q in lesson.quiz.questions)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\\%\n\r",
                                      blacklist_categories=("Cs",)), min_size=1)
       .filter(lambda s: s.strip()))
def test_escaped_text_comes_back_as_written(text):
    escaped = re.sub(r"([~=#{}:])", r"\\\1", text)
    lesson, report = parse(f"Pick {{={escaped} ~other}}")
    assert report.errors == 0
    assert lesson.quiz.questions[0].options[0].text == text.strip()


def test_an_escaped_colon_in_a_numeric_answer_is_no_tolerance():
    lesson, report = parse("::Ratio:: A 2\\:1 ratio is {#2\\:1}\n")
    assert [(d.code, d.message) for d in report.items] == [
        ("gift-bad-number", "'2:1' is not a number")]
    lesson, report = parse("::Pi:: Pi? {#3.14:0.01}\n")
    assert report.items == [] and lesson.quiz.questions[0].tolerance == 0.01
