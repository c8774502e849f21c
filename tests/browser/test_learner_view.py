"""What the learner sees of the course around the lessons, on wide and narrow screens, in
right-to-left courses and in forced colours: nothing to scroll to sideways, long words that
wrap, the current and the visited lessons marked in words as well as looks, the heading of a
new lesson in view, where the course is in its completion, and the end of the session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import COURSE, REPO

pytestmark = pytest.mark.browser

QUIZ_TYPES = REPO / "tests" / "fixtures" / "courses" / "quiz-types"

# The page's own width against what it lays out: > 0 means it scrolls sideways.
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

# Whether an element is on screen, fully, as the page is scrolled now.
IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


def variant(folder: Path, tmp_path: Path, name: str, **course) -> Path:
    """A copy of a course with some of course.yaml's settings changed."""
    copy = tmp_path / name
    shutil.copytree(folder, copy)
    data = yaml.safe_load((copy / "course.yaml").read_text(encoding="utf-8"))
    data.update(course)
    (copy / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return copy


def open_web(new_page, site, built, **context):
    page = new_page(**context)
    page.goto(site.url(built.path("index.html")))
    page.locator("body.cp-js").wait_for(state="attached")
    return page


@pytest.mark.parametrize("width", [320, 800, 1280])
def test_right_to_left_course_does_not_scroll_sideways(build_package, new_page, site, tmp_path,
                                                       width):
    """The skip link waits off the page where there is nothing to scroll to, above it, not to
    the left of a page that runs from the right (WCAG 1.4.10), and comes into view with the
    focus."""
    built = build_package(variant(QUIZ_TYPES, tmp_path, "quiz-types-ar", language="ar"), "web")
    page = open_web(new_page, site, built, viewport={"width": width, "height": 600})
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate(SIDEWAYS) == 0
    page.keyboard.press("Tab")
    skip = page.locator(".cp-skip")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.evaluate(IN_VIEW)
    box = skip.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= width
    assert page.evaluate(SIDEWAYS) == 0


LONG_TITLE = ("Pneumonoultramicroscopicsilicovolcanoconiosis and "
              "Donaudampfschifffahrtsgesellschaftskapitänswitwe considerations")
LONG_LESSON = f"""---
title: {LONG_TITLE}
summary: Supercalifragilisticexpialidociousnessandantidisestablishmentarianism is long.
---

## Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz

Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft.

A web address as text: https://example.org/{"very" * 40}longpathsegmentwithoutbreaks

And as a link: <https://example.org/some/very/long/path/that/goes/on/and/on/without/any/break>
"""


@pytest.mark.parametrize("width", [320, 1280])
def test_long_words_wrap(build_package, new_page, site, tmp_path, width):
    """Long words, web addresses and lesson titles wrap inside the page: at 320 CSS pixels no
    lesson scrolls sideways (WCAG 1.4.10), and on a wide screen the contents keep to their
    column instead of running over the lesson."""
    folder = tmp_path / "long-words"
    shutil.copytree(QUIZ_TYPES, folder)
    (folder / "long.md").write_text(LONG_LESSON, encoding="utf-8")
    course = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    course["modules"][0]["lessons"].insert(1, "long.md")
    (folder / "course.yaml").write_text(yaml.safe_dump(course), encoding="utf-8")
    built = build_package(folder, "web")
    page = open_web(new_page, site, built, viewport={"width": width, "height": 700})
    # what runs out of its box: the page, the contents' entries, the lesson
    overflow = """() => [document.documentElement, ...document.querySelectorAll('.cp-toc a, .cp-main')]
        .filter(el => el.scrollWidth > el.clientWidth).map(el => el.className || el.tagName)"""
    for lesson in [lesson["id"] for lesson in built.data()["lessons"]]:
        page.click(f".cp-toc a[data-lesson='{lesson}']")
        assert page.evaluate(overflow) == [], lesson


def test_current_lesson_is_marked_in_forced_colours(example_package, new_page, site):
    """Forced colours (Windows' contrast themes) drop the current lesson's background: it keeps
    a mark of its own (WCAG 1.4.1)."""
    page = open_web(new_page, site, example_package, forced_colors="active")
    links = page.locator(".cp-toc .cp-lessons a")
    for n in (1, 2):        # by keyboard: no hover underline
        links.nth(n).focus()
        page.keyboard.press("Enter")
    looks = "el => { const s = getComputedStyle(el); return [s.fontWeight, s.textDecorationLine," \
            " s.borderStyle, s.outlineStyle]; }"
    assert links.nth(2).get_attribute("aria-current") == "page"
    assert links.nth(2).evaluate(looks) != links.nth(1).evaluate(looks)


def test_visited_mark_has_words(example_package, new_page, site):
    """The tick after a visited lesson is read as "visited", not as a symbol or nothing."""
    page = open_web(new_page, site, example_package)
    page.locator(".cp-toc .cp-lessons a").nth(1).click()
    first = page.locator(".cp-toc .cp-lessons a").first
    assert "cp-visited" in first.get_attribute("class")
    assert first.evaluate("el => getComputedStyle(el, '::after').content").endswith('" (visited)"')
    name = first.aria_snapshot().split("\n")[0]
    assert name == f'- link "{first.inner_text().strip()} (visited)":', name


@pytest.mark.parametrize("how", ["next", "previous", "contents"])
def test_new_lesson_heading_in_view_on_a_phone(example_package, new_page, site, how):
    """On a small screen the contents sit above the lesson: after Next, Previous or a contents
    link the new lesson's heading, which has the focus, is on screen with its focus ring
    (WCAG 2.4.7), not below the contents."""
    page = open_web(new_page, site, example_package, viewport={"width": 320, "height": 640})
    if how == "previous":
        page.locator(".cp-toc .cp-lessons a").nth(2).click()
    if how == "contents":
        page.locator(".cp-toc .cp-lessons a").nth(1).focus()
    else:
        page.locator("#cp-next" if how == "next" else "#cp-prev").focus()
    page.keyboard.press("Enter")
    heading = page.locator(".cp-lesson:not([hidden]) h1")
    page.wait_for_function("(h) => h === document.activeElement", arg=heading.element_handle())
    assert heading.evaluate("h => h.matches(':focus-visible')")
    assert heading.evaluate(IN_VIEW)


def test_wide_screen_still_opens_a_lesson_at_the_top(example_package, new_page, site):
    page = open_web(new_page, site, example_package, viewport={"width": 1280, "height": 800})
    page.locator("#cp-next").click()
    assert page.evaluate("window.scrollY") == 0
    assert page.locator(".cp-lesson:not([hidden]) h1").evaluate(IN_VIEW)


def test_progress_follows_the_completion_rule(build_package, new_page, site, tmp_path):
    """With percent-lessons the bar runs to the lessons the rule needs, and the learner is told
    when the course is complete, as the LMS is."""
    folder = variant(COURSE, tmp_path, "half-course",
                     completion={"rule": "percent-lessons", "percent": 50})
    built = build_package(folder, "web")
    needed = built.data()["completion"]["needed"]
    required = len([p for p in built.data()["lessons"] if not p.get("optional")])
    assert 1 < needed < required
    page = open_web(new_page, site, built)
    text, bar = page.locator("#cp-progress-text"), page.locator("#cp-progress-bar")
    assert text.inner_text() == f"1 of {required} lessons visited ({needed} needed)"
    assert bar.evaluate("b => [b.value, b.max]") == [1, needed]
    for _ in range(needed - 1):
        page.locator("#cp-next").click()
    assert text.inner_text() == f"{needed} of {required} lessons visited. Course complete."
    assert bar.evaluate("b => [b.value, b.max]") == [needed, needed]
    page.locator("#cp-next").click()
    assert text.inner_text() == f"{needed + 1} of {required} lessons visited. Course complete."
    assert bar.evaluate("b => [b.value, b.max]") == [needed, needed]


def test_all_lessons_course_says_when_complete(example_package, new_page, site, required_ids):
    page = open_web(new_page, site, example_package)
    for lesson in required_ids:
        page.click(f".cp-toc a[data-lesson='{lesson}']")
    n = len(required_ids)
    assert page.locator("#cp-progress-text").inner_text() == \
        f"{n} of {n} lessons visited. Course complete."
