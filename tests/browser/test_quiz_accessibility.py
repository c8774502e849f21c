"""axe-core (WCAG 2.0/2.1 A and AA) on quiz pages as the learner sees them in the LMS: before
answering, and after submitting wrong answers, when the verdicts, the right answers, the
feedback and the explanations are shown."""

from __future__ import annotations

import struct
import zlib

import pytest
import yaml

from .conftest import COURSE, REPO
from .quiz_driver import QuizOnPage, load_quiz_lesson, right, wrong
from .test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser

QUIZ_TYPES = REPO / "tests" / "fixtures" / "courses" / "quiz-types"


@pytest.mark.parametrize("course, lesson_id", [(COURSE, "final-assessment"),
                                               (QUIZ_TYPES, "all-types")],
                         ids=["example-final-assessment", "quiz-types"])
def test_axe_on_a_quiz_before_and_after_submitting(build_package, lms_for, axe_source,
                                                   course, lesson_id):
    lesson = load_quiz_lesson(course, lesson_id)
    questions = lesson.quiz.questions
    lms = lms_for(build_package(course, "scorm12")).launch()
    lms.course.locator(f".cp-toc a[data-lesson='{lesson_id}']").click()
    assert lms.visible_lessons() == [lesson_id]

    violations = axe_violations(lms.frame, axe_source)
    assert not violations, describe(f"{lesson_id} before submitting", violations)

    page = QuizOnPage(lms.course, lesson_id, questions)
    # Mostly wrong, one right: both kinds of verdict and every kind of feedback on screen.
    page.answer_all([right(q) if i == 0 else wrong(q) for i, q in enumerate(questions)])
    page.submit()
    section = page.section
    assert section.locator(".cp-right").count() == 1
    assert section.locator(".cp-wrong").count() == len(questions) - 1
    assert section.locator(".cp-explanation:visible").count() >= 1
    assert section.locator(".cp-quiz-retry").is_visible()
    violations = axe_violations(lms.frame, axe_source)
    assert not violations, describe(f"{lesson_id} after submitting", violations)


def wide_png(width: int, height: int) -> bytes:
    """A plain grey PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


WIDE = "![A wide poster](img/wide.png)"
WIDE_QUIZ = {
    "title": "Pictures", "questions": [
        {"id": "poster", "type": "single", "prompt": f"Look at this.\n\n{WIDE}",
         "options": [{"text": f"This one {WIDE}", "correct": True,
                      "feedback": f"Yes. {WIDE}"},
                     {"text": "Not this one", "feedback": f"No. {WIDE}"}],
         "feedback": {"correct": f"Right. {WIDE}", "incorrect": f"Wrong. {WIDE}"},
         "explanation": f"Because. {WIDE}"},
    ]}


def test_quiz_images_fit_a_narrow_screen(build_package, new_page, site, tmp_path):
    """Images in prompts, options and feedback are scaled to the page, as a lesson's are: at
    320 CSS pixels the quiz reflows without scrolling sideways (WCAG 1.4.10), before and after
    submitting."""
    folder = tmp_path / "quiz-pictures"
    (folder / "quizzes" / "img").mkdir(parents=True)
    (folder / "quizzes" / "img" / "wide.png").write_bytes(wide_png(900, 60))
    (folder / "quizzes" / "pictures.yaml").write_text(yaml.safe_dump(WIDE_QUIZ), encoding="utf-8")
    course = {"id": "quiz-pictures", "title": "Pictures", "language": "en", "version": "1.0",
              "modules": [{"id": "only", "title": "Only", "lessons": ["quizzes/pictures.yaml"]}]}
    (folder / "course.yaml").write_text(yaml.safe_dump(course), encoding="utf-8")
    built = build_package(folder, "web")
    page = new_page(viewport={"width": 320, "height": 700})
    page.goto(site.url(built.path("index.html")))
    page.locator("body.cp-js").wait_for(state="attached")
    images = page.locator(".cp-quiz img")
    assert images.count() == 7

    def overflow() -> dict:
        return page.evaluate("""() => ({
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          images: [...document.querySelectorAll('.cp-quiz img')]
                    .filter(i => i.getClientRects().length)
                    .map(i => Math.round(i.getBoundingClientRect().right))
                    .filter(right => right > document.documentElement.clientWidth)})""")

    assert overflow() == {"page": 0, "images": []}
    page.locator("[id='quiz-pictures-poster-1']").check()
    page.locator(".cp-quiz-submit").click()
    # the prompt, the options, the chosen option's feedback, the feedback, the explanation
    assert page.locator(".cp-quiz img:visible").count() == 5
    assert overflow() == {"page": 0, "images": []}
