"""axe-core (WCAG 2.0/2.1 A and AA rules) on every lesson of the built package, as the learner
sees it: launched by the LMS, one lesson shown at a time; also at 360 px, after Exit and
without an LMS."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

RUN_AXE = """async (options) => {
  const results = await axe.run(document, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({ target: n.target.join(' '), summary: n.failureSummary }))
  }));
}"""


def axe_violations(frame, axe_source: str) -> list[dict]:
    """Run axe in `frame`. The package's CSP forbids inline scripts, so axe goes in through
    the DevTools protocol (evaluate), not a <script> tag."""
    if not frame.evaluate("() => typeof window.axe === 'object'"):
        frame.evaluate(axe_source)
    assert frame.evaluate("() => typeof window.axe.run === 'function'"), "axe-core did not load"
    return frame.evaluate(RUN_AXE, AXE_OPTIONS)


def describe(where: str, violations: list[dict]) -> str:
    lines = [f"{where}: {len(violations)} axe violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"      {node['target']}")
            if node["summary"]:
                lines.append("        " + node["summary"].replace("\n", "\n        "))
    return "\n".join(lines)


def check_every_lesson(lms, lesson_ids, axe_source, label: str) -> list[str]:
    problems = []
    for lesson in lesson_ids:
        lms.course.locator(f".cp-toc a[data-lesson='{lesson}']").click()
        assert lms.visible_lessons() == [lesson]
        violations = axe_violations(lms.frame, axe_source)
        if violations:
            problems.append(describe(f"{label}, lesson {lesson}", violations))
    return problems


def test_axe_reports_a_planted_violation(lms, axe_source):
    """The rig itself: axe really runs inside the course frame and reports what it finds."""
    lms.launch()
    lms.frame.evaluate("() => { document.getElementById('cp-next').textContent = ''; }")
    planted = [v for v in axe_violations(lms.frame, axe_source) if v["id"] == "button-name"]
    assert planted, "axe did not report a button without a name"
    assert [node["target"] for node in planted[0]["nodes"]] == ["#cp-next"]


def test_axe_every_lesson(lms, lesson_ids, axe_source):
    lms.launch()
    problems = check_every_lesson(lms, lesson_ids, axe_source, "1280 px")
    assert not problems, "\n".join(problems)


def test_axe_at_360px(make_lms, lesson_ids, axe_source):
    lms = make_lms(viewport={"width": 360, "height": 740}, has_touch=True)
    lms.launch()
    problems = check_every_lesson(lms, lesson_ids, axe_source, "360 px")
    assert not problems, "\n".join(problems)


def test_axe_after_exit(lms, axe_source):
    lms.launch()
    lms.course.locator("#cp-exit").click()
    status = lms.course.locator("#cp-status")
    assert status.is_visible() and status.inner_text().strip()
    violations = axe_violations(lms.frame, axe_source)
    assert not violations, describe("after Exit", violations)


def test_axe_without_lms(page, site, launch_href, lesson_ids, axe_source):
    """Opened straight from the package (no LMS found): the page must work and pass too."""
    page.goto(site.url("/pkg/" + launch_href))
    page.locator("body.cp-js").wait_for(state="attached")
    assert page.evaluate("() => window.coursepack.store") == "local"
    assert page.locator("#cp-exit").is_hidden()
    page.locator("#cp-next").click()
    assert page.locator(f"#lesson-{lesson_ids[1]}").is_visible()
    violations = axe_violations(page.main_frame, axe_source)
    assert not violations, describe("without an LMS", violations)
