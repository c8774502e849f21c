"""A course in another language than English: the interface's own words (from the theme and
the runtime) are English, and are marked lang="en" (WCAG 3.1.2, Language of Parts), while
the author's text keeps the course's language. The example course and the quiz-types course,
built with `language: fr`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import COURSE, REPO
from .quiz_driver import QuizOnPage, load_quiz_lesson, wrong

pytestmark = pytest.mark.browser

QUIZ_TYPES = REPO / "tests" / "fixtures" / "courses" / "quiz-types"

# Texts the theme and runtime write; a text node that starts with one is interface text.
INTERFACE = ["Skip to lesson", "Contents", "Progress", "Previous", "Next", "Exit course",
             "Questions", "Question ", "Your answer", "Choose a match", "Move up", "Move down",
             "Submit answers", "Try again", "You scored", "Correct.", "Not correct.", "True",
             "False", "(correct answer)", "position ", "Choose every answer",
             "Put the items in order", "Transcript", "Search the transcript", "Play from",
             "Download the transcript", "parts match", "References", "The pass mark",
             "You have"]

# Every text node of the page, but the author's (lessons, prompts, feedback), with the
# language it is in: [lang, text].
AUTHOR = ("script, .cp-body, .cp-prompt, .cp-if-correct, .cp-if-incorrect, .cp-explanation, "
          ".cp-option-feedback, .cp-cue-text, .cp-order-text, h1, .cp-lessons, .cp-module-label")
TEXTS = """(author) => {
  const out = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const el = n.parentElement, text = n.textContent.trim();
    if (text && !el.closest(author)) { out.push([el.closest('[lang]').lang, text]); }
  }
  return out;
}"""


def in_french(folder: Path, tmp_path: Path, language: str = "fr") -> Path:
    copy = tmp_path / f"{folder.name}-{language}"
    shutil.copytree(folder, copy)
    course = yaml.safe_load((copy / "course.yaml").read_text(encoding="utf-8"))
    course["language"] = language
    (copy / "course.yaml").write_text(yaml.safe_dump(course, allow_unicode=True),
                                      encoding="utf-8")
    return copy


def check_languages(page) -> None:
    texts = page.evaluate(TEXTS, AUTHOR)
    english = [(lang, text) for lang, text in texts
               if any(text.startswith(word) for word in INTERFACE)]
    assert english, "no interface text found"
    assert [t for t in english if t[0] != "en"] == [], [t for t in english if t[0] != "en"]
    # The author's words stay French: lesson titles, prompts, the lesson the pager names.
    author = page.evaluate("""() => [...document.querySelectorAll(
        '.cp-lesson:not(.cp-references-page) h1, .cp-prompt, .cp-order-text, #cp-next-title, ' +
        '.cp-toc .cp-lessons a:not([data-lesson=references])')]
        .map(el => el.closest('[lang]').lang)""")
    assert author and set(author) == {"fr"}


@pytest.mark.parametrize("course, lesson_id", [(COURSE, "final-assessment"),
                                               (QUIZ_TYPES, "all-types")],
                         ids=["example", "quiz-types"])
def test_interface_text_is_marked_english(build_package, new_page, site, tmp_path, course,
                                          lesson_id):
    folder = in_french(course, tmp_path)
    built = build_package(folder, "web")
    page = new_page()
    page.goto(site.url(built.path("index.html")))
    page.locator("body.cp-js").wait_for(state="attached")
    assert page.evaluate("document.documentElement.lang") == "fr"
    check_languages(page)

    page.click(f".cp-toc a[data-lesson='{lesson_id}']")
    questions = load_quiz_lesson(folder, lesson_id).quiz.questions
    quiz = QuizOnPage(page, lesson_id, questions)
    quiz.answer_all([wrong(q) for q in questions])
    ordering = [q for q in questions if q.type == "ordering"]
    if ordering:   # the runtime announces the move
        quiz.node(ordering[0]).locator("li .cp-down:not([disabled])").first.click()
        said = quiz.node(ordering[0]).locator(".cp-order-status")
        assert " position " in said.inner_text()
        assert said.locator("span").nth(0).evaluate("s => s.closest('[lang]').lang") == "fr"
    quiz.submit()
    check_languages(page)

    if course == COURSE:   # the video lesson and its transcript search
        page.click(".cp-toc a[data-lesson='what-is-leadership-in-care']")
        page.fill(".cp-transcript-search", "care")
        assert "parts match" in page.locator(".cp-transcript-count").inner_text()
        check_languages(page)


# Every interface text node with the direction it is laid out in: [dir, text].
DIRECTIONS = """([author, words]) => {
  const out = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const el = n.parentElement, text = n.textContent.trim();
    if (text && !el.closest(author) && words.some(w => text.startsWith(w))) {
      out.push([el.closest('[dir]').dir, text]);
    }
  }
  return out;
}"""


def test_interface_text_runs_left_to_right_in_a_right_to_left_course(build_package, new_page,
                                                                     site, tmp_path):
    """In a course in Arabic the interface's English words, the theme's and those the runtime
    writes (progress, question numbers, verdicts, the result, attempts left), are laid out
    left to right, so that "2 of 3 lessons visited" does not become "of 3 lessons visited 2"
    (WCAG 1.3.2); the matching solution's arrow points from each item to its match."""
    folder = in_french(QUIZ_TYPES, tmp_path, "ar")
    built = build_package(folder, "web")
    page = new_page()
    page.goto(site.url(built.path("index.html")))
    page.locator("body.cp-js").wait_for(state="attached")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.click(".cp-toc a[data-lesson='all-types']")
    questions = load_quiz_lesson(folder, "all-types").quiz.questions
    quiz = QuizOnPage(page, "all-types", questions)
    quiz.answer_all([wrong(q) for q in questions])
    quiz.submit()
    words = INTERFACE + ["Attempts left"] + [f"{n} of " for n in range(10)]
    laid_out = page.evaluate(DIRECTIONS, [AUTHOR, words])
    for text in ("of 2 lessons visited", "Question 1 of 7", "Not correct.", "You scored",
                 "Attempts left"):
        assert any(text in t for _, t in laid_out), text
    assert [t for t in laid_out if t[0] != "ltr"] == []
    solution = quiz.node(next(q for q in questions if q.type == "matching")).locator(
        ".cp-solution span[dir=rtl]")
    assert " ← " in solution.inner_text() and " → " not in solution.inner_text()
