"""What a quiz tells the learner, as they see and hear it (web target of the quiz-types
course: seven questions, one of each type, pass mark 70, two attempts, review on): the
questions still open when they submit, what is left after a pass, their own answers in the
review, a matching question answered in part, and a page whose scripts did not run."""

from __future__ import annotations

import re

import pytest

from .conftest import REPO
from .quiz_driver import QuizOnPage, load_quiz_lesson, right, wrong

pytestmark = pytest.mark.browser

QUIZ_TYPES = REPO / "tests" / "fixtures" / "courses" / "quiz-types"
LESSON = "all-types"
QUESTIONS = load_quiz_lesson(QUIZ_TYPES, LESSON).quiz.questions
BY_ID = {q.id: q for q in QUESTIONS}


@pytest.fixture
def built(build_package):
    return build_package(QUIZ_TYPES, "web")


def open_quiz(new_page, site, built, **context) -> QuizOnPage:
    page = new_page(**context)
    page.goto(site.url(built.path("index.html")))
    page.locator("body.cp-js").wait_for(state="attached")
    page.click(f".cp-toc a[data-lesson='{LESSON}']")
    return QuizOnPage(page, LESSON, QUESTIONS)


def contrast(fore: str, back: str) -> float:
    """WCAG contrast ratio of two computed colours, each over white."""
    def rgb(css: str) -> list[float]:
        values = [float(x) for x in re.findall(r"[\d.]+", css)]
        alpha = values[3] if len(values) > 3 else 1.0
        return [c * alpha + 255 * (1 - alpha) for c in values[:3]]

    def luminance(channels: list[float]) -> float:
        lin = [(c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4)
               for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted((luminance(rgb(fore)), luminance(rgb(back))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_unanswered_questions_are_named_and_marked(built, new_page, site):
    """Submitting with questions open names them, marks each with a message of its own (the
    question's description), and puts the focus on the first, with its message in view; a
    matching question answered in part is open too."""
    quiz = open_quiz(new_page, site, built, viewport={"width": 1100, "height": 800})
    page = quiz.root
    quiz.answer(BY_ID["capital"], right(BY_ID["capital"]))
    quiz.answer(BY_ID["colour"], right(BY_ID["colour"]))
    quiz.control(f"{quiz.name(BY_ID['animals'])}-0").select_option("0")
    page.locator(".cp-quiz-submit").click()
    assert quiz.result() == "Answer questions 2, 3, 5 and 6 before submitting."
    open_ids = ["primes", "earth-round", "pi", "animals"]
    for q in QUESTIONS:
        node = quiz.node(q)
        described = node.locator("fieldset").evaluate(
            "f => (f.getAttribute('aria-describedby') || '').split(' ')"
            ".map(id => document.getElementById(id)?.textContent || '').join(' ').trim()")
        if q.id in open_ids:
            assert "cp-missing" in node.get_attribute("class"), q.id
            assert described == "This question needs an answer.", q.id
            assert node.locator(".cp-verdict").is_visible(), q.id
        else:
            assert "cp-missing" not in node.get_attribute("class"), q.id
            assert described == "", q.id
    first = quiz.node(BY_ID["primes"])
    assert first.locator("input").first.evaluate("el => el === document.activeElement")
    assert first.locator(".cp-verdict").evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }")

    # one left: named alone; answered, the marks go
    for q in QUESTIONS:
        if q.id in ("primes", "earth-round", "animals"):
            quiz.answer(q, right(q))
    page.locator(".cp-quiz-submit").click()
    assert quiz.result() == "Answer question 5 before submitting."
    assert quiz.section.locator(".cp-missing").count() == 1
    quiz.answer(BY_ID["pi"], right(BY_ID["pi"]))
    assert quiz.submit().startswith("You scored")
    assert quiz.section.locator(".cp-missing").count() == 0


def test_after_a_pass_no_attempts_are_offered_or_counted(built, new_page, site):
    """quizzes.md: with a limited number of attempts, Try again is not offered once the learner
    has passed; nothing then speaks of attempts left, after a reload either."""
    quiz = open_quiz(new_page, site, built)
    assert quiz.attempts_info() == "Attempts left: 2 of 2."
    quiz.answer_all([right(q) for q in QUESTIONS])
    assert quiz.submit() == "You scored 100%. You passed (the pass mark is 70%)."
    assert quiz.attempts_info() == ""
    assert quiz.section.locator(".cp-quiz-retry").is_hidden()
    quiz.root.reload()
    quiz.root.locator("body.cp-js").wait_for(state="attached")
    assert quiz.result() == "You scored 100%. You passed (the pass mark is 70%)."
    assert quiz.attempts_info() == ""


def test_a_fail_still_counts_the_attempts_left(built, new_page, site):
    quiz = open_quiz(new_page, site, built)
    quiz.answer_all([wrong(q) for q in QUESTIONS])
    assert quiz.submit().endswith(" The pass mark is 70%. You have 1 more attempt.")
    assert quiz.attempts_info() == "Attempts left: 1 of 2."
    quiz.retry()


def test_review_shows_the_learners_own_answers_readably(built, new_page, site):
    """In the review the learner's choices are marked "(your answer)", and the answers in
    text and select boxes keep a 4.5:1 contrast (WCAG 1.4.3), not greyed out as disabled."""
    quiz = open_quiz(new_page, site, built)
    quiz.answer_all([wrong(q) for q in QUESTIONS])
    quiz.submit()
    capital = quiz.node(BY_ID["capital"])
    chosen = capital.locator("input:checked + label .cp-mine")
    assert chosen.count() == 1 and chosen.is_visible()
    assert chosen.inner_text().strip() == "(your answer)"
    assert capital.locator(".cp-mine:visible").count() == 1
    colours = "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    for box in (quiz.control(f"{quiz.name(BY_ID['colour'])}-answer"),
                quiz.control(f"{quiz.name(BY_ID['animals'])}-0")):
        assert box.is_disabled()
        fore, back = box.evaluate(colours)
        assert contrast(fore, back) >= 4.5, (fore, back)


def test_matching_answered_in_part_is_kept(built, new_page, site):
    """A matching question answered in part is kept in the draft like any other answer: after
    a reload the pairs chosen are still there, the others still to choose."""
    quiz = open_quiz(new_page, site, built)
    animals = BY_ID["animals"]
    quiz.control(f"{quiz.name(animals)}-0").select_option("0")
    quiz.control(f"{quiz.name(animals)}-2").select_option("1")
    quiz.answer(BY_ID["pi"], "3x")
    quiz.root.reload()
    quiz.root.locator("body.cp-js").wait_for(state="attached")
    assert quiz.read(animals)["selects"] == ["0", "", "1"]
    assert quiz.read(BY_ID["pi"])["text"] == "3x"


def test_without_scripts_the_quiz_says_so(built, new_page, site):
    """With scripts off (or the quiz runtime not run) the page says answering needs
    JavaScript and Submit answers is off, rather than doing nothing when pressed."""
    page = new_page(java_script_enabled=False)
    page.goto(site.url(built.path("index.html")))
    section = page.locator(f".cp-quiz[data-quiz='{LESSON}']")
    section.scroll_into_view_if_needed()
    assert section.locator(".cp-quiz-noscript").is_visible()
    assert "needs JavaScript" in section.locator(".cp-quiz-noscript").inner_text()
    assert section.locator(".cp-quiz-submit").is_disabled()


def test_when_the_quiz_runtime_fails_the_quiz_says_so(built, new_page, site):
    page = new_page()
    page.route("**/runtime/quiz.js", lambda route: route.fulfill(
        body="/* failed */", content_type="text/javascript"))
    page.goto(site.url(built.path("index.html")))
    page.locator("body.cp-js").wait_for(state="attached")
    page.click(f".cp-toc a[data-lesson='{LESSON}']")
    section = page.locator(f".cp-quiz[data-quiz='{LESSON}']")
    assert section.locator(".cp-quiz-noscript").is_visible()
    assert section.locator(".cp-quiz-submit").is_disabled()


def test_with_scripts_the_note_goes(built, new_page, site):
    quiz = open_quiz(new_page, site, built)
    assert quiz.section.locator(".cp-quiz-noscript").is_hidden()
    assert quiz.section.locator(".cp-quiz-submit").is_enabled()
