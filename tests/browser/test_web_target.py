"""The example course built with --target web: a plain folder that opens in Chromium from the
file system and from a web server (here 127.0.0.1) without an LMS and without a single
console error or Content-Security-Policy violation, and keeps the learner's progress
(visited lessons, current lesson, quiz answers) in localStorage across a reload."""

from __future__ import annotations

import pytest

from .conftest import COURSE
from .quiz_driver import QuizOnPage, load_quiz_lesson, right, score, wrong, js_number

pytestmark = pytest.mark.browser

CHECK = "module-1-check"
FINAL = "final-assessment"


@pytest.fixture(scope="module")
def quizzes():
    return {lesson_id: load_quiz_lesson(COURSE, lesson_id) for lesson_id in (CHECK, FINAL)}


def visible_lessons(page) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('article.cp-lesson')]"
        ".filter(a => !a.hidden && a.getClientRects().length > 0).map(a => a.dataset.lesson)")


def visited_in_toc(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('.cp-toc a.cp-visited')]"
                         ".map(a => a.dataset.lesson)")


def open_course(page, url: str) -> None:
    page.goto(url)
    page.locator("body.cp-js").wait_for(state="attached")
    assert page.evaluate("() => window.coursepack.store") == "local"
    assert page.locator("#cp-exit").is_hidden(), "no LMS: nothing to exit"


def captions(page) -> dict:
    return page.evaluate("""() => {
      const track = document.querySelector('video track[kind=captions]');
      return { mode: track.track.mode, state: track.readyState };
    }""")


@pytest.mark.parametrize("where", ["file", "http"])
def test_web_folder_runs_and_keeps_progress_over_reload(build_package, new_page, guard, site,
                                                        quizzes, where):
    built = build_package(COURSE, "web")
    assert built.output.is_dir(), "the web target writes a folder"
    data = built.data()
    assert data["standard"] == "web"
    lesson_ids = [p["id"] for p in data["lessons"]]
    if where == "file":
        guard.allow_files(built.output)
        url = (built.output / "index.html").as_uri()
    else:
        url = site.url(built.path("index.html"))

    page = new_page()
    open_course(page, url)
    assert visible_lessons(page) == [lesson_ids[0]]
    if where == "http":
        # Captions are on, and load, from a web server ...
        page.wait_for_function("() => document.querySelector('video track').readyState === 2")
        assert captions(page) == {"mode": "showing", "state": 2}
    else:
        # ... and stay off from the disk, where Chromium refuses every text track.
        assert captions(page)["mode"] == "disabled"

    page.locator("#cp-next").click()
    assert visible_lessons(page) == [lesson_ids[1]]

    # A quiz submitted ...
    check = quizzes[CHECK]
    page.locator(f".cp-toc a[data-lesson='{CHECK}']").click()
    check_page = QuizOnPage(page, CHECK, check.quiz.questions)
    check_answers = [wrong(q) if i == 1 else right(q) for i, q in enumerate(check.quiz.questions)]
    check_page.answer_all(check_answers)
    expected = js_number(score(check.quiz.questions, check_answers))
    assert check_page.submit().startswith(f"You scored {expected}%.")

    # ... and the final assessment answered but not submitted; the order of the ordering
    # question set last, with nothing else changed after it.
    final = quizzes[FINAL]
    page.locator(f".cp-toc a[data-lesson='{FINAL}']").click()
    final_page = QuizOnPage(page, FINAL, final.quiz.questions)
    draft = [right(q) if i % 2 else wrong(q) for i, q in enumerate(final.quiz.questions)]
    ordering = [i for i, q in enumerate(final.quiz.questions) if q.type == "ordering"]
    for i in [i for i in range(len(draft)) if i not in ordering] + ordering:
        final_page.answer(final.quiz.questions[i], draft[i])
    assert final_page.shown_answers() == draft
    visited = {lesson_ids[0], lesson_ids[1], CHECK, FINAL}

    page.reload()
    page.locator("body.cp-js").wait_for(state="attached")
    assert visible_lessons(page) == [FINAL], "the current lesson was not kept"
    assert set(visited_in_toc(page)) == visited
    required = [p for p in data["lessons"] if not p.get("optional")]
    assert page.locator("#cp-progress-text").inner_text().startswith(
        f"{len(visited)} of {len(required)} ")
    final_page = QuizOnPage(page, FINAL, final.quiz.questions)
    assert final_page.shown_answers() == draft, "the draft answers were not kept"
    assert final_page.section.locator(".cp-quiz-submit").is_visible()
    assert final_page.attempts_info() == \
        f"Attempts left: {final.quiz.attempts} of {final.quiz.attempts}."
    check_page = QuizOnPage(page, CHECK, check.quiz.questions)
    assert check_page.shown_answers() == check_answers, "the submitted answers were not kept"
    assert check_page.section.locator(".cp-quiz-result").text_content().startswith(
        f"You scored {expected}%.")

    stored = page.evaluate("() => Object.keys(localStorage)")
    assert stored == [f"coursepack:{data['course']['id']}:{data['sco']}"]

    # The rig itself: a CSP violation in the course page is caught as an error.
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.inlineRan = true';
                             document.body.appendChild(s); }""")
    page.wait_for_function("() => true")
    assert page.evaluate("() => window.inlineRan === undefined"), "the CSP let an inline script run"
    csp = [e for e in guard.errors if "Content Security Policy" in e or "CSP violation" in e]
    assert csp, f"the CSP violation was not reported: {guard.errors}"
    guard.errors[:] = [e for e in guard.errors if e not in csp]


def test_lessons_are_in_the_address_and_the_history(build_package, new_page, site):
    """On the web the address names the lesson shown (#lesson-ID): Back and Forward go between
    the lessons opened, and an address naming a lesson opens that one, not the saved place."""
    built = build_package(COURSE, "web")
    ids = [p["id"] for p in built.data()["lessons"]]
    page = new_page()
    open_course(page, site.url(built.path("index.html")))
    assert page.evaluate("location.hash") == ""      # the address is left as it was opened
    page.click(f".cp-toc a[data-lesson='{ids[2]}']")
    page.locator("#cp-next").click()
    assert visible_lessons(page) == [ids[3]]
    assert page.evaluate("location.hash") == f"#lesson-{ids[3]}"
    page.go_back()
    page.wait_for_function("(id) => !document.getElementById(id).hidden", arg=f"lesson-{ids[2]}")
    assert visible_lessons(page) == [ids[2]]
    assert page.evaluate("document.activeElement.id") == f"lesson-{ids[2]}-title"
    page.go_back()      # to the address the course was opened at: the lesson shown then
    page.wait_for_function("(id) => !document.getElementById(id).hidden", arg=f"lesson-{ids[0]}")
    assert page.evaluate("location.hash") == ""
    page.go_forward()
    page.wait_for_function("(id) => !document.getElementById(id).hidden", arg=f"lesson-{ids[2]}")
    # the place kept (ids[3]) gives way to the lesson the address names
    other = new_page()
    open_course(other, site.url(built.path(f"index.html#lesson-{ids[4]}")))
    assert visible_lessons(other) == [ids[4]]
    other.goto(site.url(built.path(f"index.html#lesson-{ids[1]}")))
    other.wait_for_function("(id) => !document.getElementById(id).hidden", arg=f"lesson-{ids[1]}")
    assert visible_lessons(other) == [ids[1]]
    # the skip link's target is no lesson: the lesson stays
    other.focus(".cp-skip")
    other.keyboard.press("Enter")
    assert other.evaluate("location.hash") == "#cp-main"
    assert visible_lessons(other) == [ids[1]]


def test_scorm_packages_leave_the_address_alone(lms, lesson_ids):
    """In an LMS's frame the course adds nothing to the browser's history (Back belongs to
    the LMS)."""
    lms.launch()
    before = lms.page.evaluate("history.length")
    lms.course.locator("#cp-next").click()
    assert lms.visible_lessons() == [lesson_ids[1]]
    assert lms.frame.evaluate("location.hash") == ""
    assert lms.page.evaluate("history.length") == before
