"""`coursepack preview`: serves the course, shows an edit within 2 s, shows a broken edit as
an overlay over the last good build, and clears it when fixed."""

import shutil
import threading
import time

import pytest

from conftest import EXAMPLE as COURSE
from coursepack.preview import start

pytestmark = pytest.mark.browser


@pytest.fixture
def preview(tmp_path):
    folder = tmp_path / "course"
    shutil.copytree(COURSE, folder)
    lines = []
    server, url, stop = start(folder, 0, echo=lines.append)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield folder, url, lines
    finally:
        stop.set()
        server.stopping.set()
        server.shutdown()
        server.server_close()


def test_edit_shows_within_two_seconds_and_broken_edit_shows_overlay(preview, new_page):
    folder, url, lines = preview
    page = new_page()
    page.goto(url)
    page.locator("body.cp-js").wait_for(state="attached")
    page.locator(".cpv-bar").wait_for()
    lesson = folder / "lessons" / "systems-leaders.md"
    text = lesson.read_text()
    lesson.write_text(text.replace("title: ", "title: Edited ", 1))
    started = time.monotonic()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.cp-toc a')].some(a => a.textContent.startsWith('Edited '))",
        timeout=5000)
    assert time.monotonic() - started < 2.0

    lesson.write_text(text.replace("title: ", "titel: ", 1))   # a broken edit
    overlay = page.locator(".cpv-overlay")
    overlay.wait_for(state="visible", timeout=5000)
    assert "unknown-key" not in overlay.inner_text()            # messages, not codes
    assert "unknown key 'titel'" in overlay.inner_text()
    assert "systems-leaders.md:" in overlay.inner_text()
    assert page.locator(".cp-toc a", has_text="Edited ").count() == 1  # last good build stays
    assert any("unknown key 'titel'" in line for line in lines)      # and the terminal says so

    lesson.write_text(text)                                      # the fix
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.cp-toc a')].some(a => a.textContent.startsWith('Edited '))",
        timeout=5000)
    page.locator("body.cp-js").wait_for(state="attached")
    assert page.locator(".cpv-overlay").is_hidden()


def test_toolbar_shows_lms_data_and_resets_progress(preview, new_page):
    _, url, _ = preview
    page = new_page()
    page.goto(url)
    page.locator(".cpv-bar").wait_for()
    page.click("#cp-next")
    page.get_by_role("button", name="LMS data").click()
    data = page.locator("#cpv-data")
    page.wait_for_function("() => document.querySelector('#cpv-data').textContent.includes('suspend')")
    assert '"location": "systems-leaders"' in data.inner_text()
    page.get_by_role("button", name="Reset progress").click()
    page.locator("body.cp-js").wait_for(state="attached")
    page.wait_for_function("() => document.querySelector('#cp-progress-text').textContent.startsWith('1 of')")
    assert page.locator("article.cp-lesson:not([hidden]) h1").inner_text().startswith("What is leadership")
