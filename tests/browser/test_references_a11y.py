"""Citations and reference lists in the browser: axe-core (WCAG 2.0/2.1 A and AA) on a lesson
that cites and on the References page, as the learner sees them through the LMS; and the
citation links reach their entries."""

from __future__ import annotations

import pytest

from .test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser

CITING_LESSON = "compassionate-resilient-networks"


def show(lms, lesson_id: str) -> None:
    lms.course.locator(f".cp-toc a[data-lesson='{lesson_id}']").click()
    assert lms.visible_lessons() == [lesson_id]


def test_axe_on_a_lesson_with_citations(lms, axe_source):
    lms.launch()
    show(lms, CITING_LESSON)
    article = lms.course.locator(f"#lesson-{CITING_LESSON}")
    assert article.locator(".cp-citation").count() >= 6
    assert article.locator("section.cp-references li.cp-ref").count() == 8
    violations = axe_violations(lms.frame, axe_source)
    assert not violations, describe(f"lesson {CITING_LESSON}", violations)


def test_axe_on_the_references_page(lms, axe_source):
    lms.launch()
    show(lms, "references")
    page = lms.course.locator("#lesson-references")
    assert page.locator("h1").inner_text() == "References"
    assert page.locator("li.cp-ref").count() == 8
    assert page.locator("li.cp-ref i").first.inner_text() == \
        "Compassion: Your greatest leadership contribution?"
    violations = axe_violations(lms.frame, axe_source)
    assert not violations, describe("References page", violations)


def test_axe_on_the_references_page_at_360px(make_lms, axe_source):
    lms = make_lms(viewport={"width": 360, "height": 740}, has_touch=True)
    lms.launch()
    show(lms, "references")
    violations = axe_violations(lms.frame, axe_source)
    assert not violations, describe("References page at 360 px", violations)


def test_a_citation_leads_to_its_entry(lms):
    lms.launch()
    show(lms, CITING_LESSON)
    link = lms.course.locator(f"#lesson-{CITING_LESSON} a.cp-cite", has_text="Peake")
    target = link.get_attribute("href")
    assert target == f"#ref-{CITING_LESSON}-peake2021"
    link.click()
    entry = lms.course.locator(target)
    assert entry.is_visible()
    assert entry.inner_text().startswith("Peake, E. (2021) The great social burnout")
    assert lms.frame.evaluate(
        "(id) => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }", target[1:])
