"""Browser test rig: Debian's Chromium driven by Playwright, a built package served from
127.0.0.1, scorm-again as the LMS (tests/browser/lms/host12.html) and axe-core.

Nothing may leave 127.0.0.1: every request of every page is routed, and any request to
another host is aborted, recorded and fails the test that made it.

Missing Chromium or missing npm packages skip these tests on a developer machine and fail
them under CI=true.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
COURSE = REPO / "courses" / "leadership-in-social-care"
NODE_MODULES = HERE / "node_modules"
SCORM_AGAIN_JS = NODE_MODULES / "scorm-again" / "dist" / "scorm12.js"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ALLOWED_HOST = "127.0.0.1"
IMSCP = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
ADLCP = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def unavailable(reason: str) -> None:
    """Skip on a developer machine; under CI a missing piece of the rig is a failure."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------- prerequisites

@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("COURSEPACK_CHROMIUM") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        unavailable(f"Chromium not found at {path} (install Debian's `chromium`, "
                    "or set COURSEPACK_CHROMIUM to a Chromium binary)")
    return path


@pytest.fixture(scope="session")
def npm_packages() -> dict[str, Path]:
    """scorm-again and axe-core as pinned in tests/browser/package.json (`npm ci` there)."""
    wanted = {"scorm-again": SCORM_AGAIN_JS, "axe-core": AXE_JS}
    missing = [str(p.relative_to(REPO)) for p in wanted.values() if not p.is_file()]
    if missing:
        unavailable("npm test packages missing: " + ", ".join(missing)
                    + " (run `npm ci` in tests/browser)")
    pins = json.loads((HERE / "package.json").read_text(encoding="utf-8"))
    pinned = {**pins.get("dependencies", {}), **pins.get("devDependencies", {})}
    for name in wanted:
        meta = json.loads((NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))
        if meta["version"] != pinned.get(name):
            pytest.fail(f"tests/browser/node_modules has {name} {meta['version']}, package.json "
                        f"pins {pinned.get(name)}: run `npm ci` in tests/browser", pytrace=False)
    return wanted


@pytest.fixture(scope="session")
def browser(chromium_path, npm_packages):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package `playwright` is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# ---------------------------------------------------------------- the package under test

@pytest.fixture(scope="session")
def package_dir(tmp_path_factory) -> Path:
    """`coursepack build` of the sample course, unzipped."""
    from click.testing import CliRunner

    from coursepack.cli import main

    out = tmp_path_factory.mktemp("build")
    result = CliRunner().invoke(main, ["build", str(COURSE), "--out", str(out)])
    assert result.exit_code == 0, f"coursepack build failed:\n{result.output}"
    zips = sorted(out.glob("*.zip"))
    assert len(zips) == 1, f"expected one package, got {zips}"
    dest = tmp_path_factory.mktemp("package")
    with zipfile.ZipFile(zips[0]) as archive:
        archive.extractall(dest)
    return dest


@pytest.fixture(scope="session")
def launch_href(package_dir) -> str:
    """The SCO's launch file, as the manifest names it (an LMS launches what the manifest says)."""
    root = ElementTree.parse(package_dir / "imsmanifest.xml").getroot()
    scos = [r for r in root.iter(f"{IMSCP}resource") if r.get(f"{ADLCP}scormtype") == "sco"]
    assert len(scos) == 1, "expected exactly one SCO in the manifest"
    href = scos[0].get("href")
    assert href and "?" not in href and (package_dir / href).is_file(), href
    return href


@pytest.fixture(scope="session")
def course_data(package_dir, launch_href) -> dict:
    """The JSON block (#cp-data) the runtime reads, checked against the page's articles."""
    html = (package_dir / launch_href).read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="cp-data">(.*?)</script>', html, re.S)
    assert block, "no #cp-data block in the launch page"
    data = json.loads(block.group(1))
    articles = re.findall(r'<article class="cp-lesson[^"]*" id="lesson-([^"]+)" '
                          r'data-lesson="([^"]+)"', html)
    assert all(a == b for a, b in articles), articles
    assert [b for _, b in articles] == [p["id"] for p in data["lessons"]], \
        "the page's articles and the runtime's list of lessons differ"
    return data


@pytest.fixture(scope="session")
def lesson_ids(course_data) -> list[str]:
    """Every page the runtime shows (lessons and optional pages), in course order."""
    ids = [p["id"] for p in course_data["lessons"]]
    assert len([p for p in course_data["lessons"] if not p.get("optional")]) >= 3, \
        "these tests need a course of at least three lessons"
    return ids


@pytest.fixture(scope="session")
def required_ids(course_data) -> list[str]:
    """The pages that count towards completion (not marked optional)."""
    return [p["id"] for p in course_data["lessons"] if not p.get("optional")]


@pytest.fixture(scope="session")
def needed(course_data) -> int:
    """How many required pages the learner must visit to complete the course."""
    return course_data["completion"]["needed"]


# ---------------------------------------------------------------- the local web server

class _Handler(SimpleHTTPRequestHandler):
    failures: list  # set per server

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_request(self, code="-", size="-"):
        if str(code).isdigit() and int(code) >= 400:
            self.failures.append(f"{code} {self.command} {self.path}")

    def log_message(self, format, *args):  # noqa: A002 - keep the test output quiet
        pass


class Site:
    def __init__(self, root: Path):
        self.root = root
        handler = type("Handler", (_Handler,), {"failures": []})
        self.failures: list[str] = handler.failures
        self.server = ThreadingHTTPServer((ALLOWED_HOST, 0),
                                          functools.partial(handler, directory=str(root)))
        self.server.daemon_threads = True
        self.base = f"http://{ALLOWED_HOST}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + "/" + path.lstrip("/")


@pytest.fixture(scope="session")
def site(tmp_path_factory, package_dir, npm_packages):
    """/pkg/ the package, /lms/ the LMS host page and scorm-again, /vendor/ axe-core."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(package_dir, root / "pkg")
    shutil.copytree(HERE / "lms", root / "lms")
    shutil.copy2(npm_packages["scorm-again"], root / "lms" / "scorm12.js")
    (root / "vendor").mkdir()
    shutil.copy2(npm_packages["axe-core"], root / "vendor" / "axe.min.js")
    (root / "favicon.ico").write_bytes(b"")
    served = Site(root)
    served.thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()


# ---------------------------------------------------------------- guarded pages

class Guard:
    """Aborts and records every request that would leave 127.0.0.1; collects page errors."""

    def __init__(self):
        self.outside: list[str] = []
        self.allowed: list[str] = []
        self.errors: list[str] = []

    def route(self, route, request):
        if urlsplit(request.url).hostname == ALLOWED_HOST:
            self.allowed.append(request.url)
            route.continue_()
        else:
            self.outside.append(f"{request.method} {request.url}")
            route.abort("blockedbyclient")

    def watch(self, page):
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("console", lambda msg: msg.type == "error"
                and self.errors.append(f"console: {msg.text} ({msg.location.get('url', '')})"))


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def new_page(browser, site, guard):
    """Factory: a page in a fresh browser context, every request routed through the guard."""
    contexts = []

    def make(**context_options):
        # Smooth scrolling only slows every click down; tests that care pass their own value.
        context_options.setdefault("reduced_motion", "reduce")
        context = browser.new_context(**context_options)
        contexts.append(context)
        context.route("**/*", guard.route)
        page = context.new_page()
        guard.watch(page)
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()  # pagehide in every course frame still runs here
    problems = []
    if guard.outside:
        problems.append("requests tried to leave 127.0.0.1:\n  " + "\n  ".join(guard.outside))
    if guard.errors:
        problems.append("errors in the page:\n  " + "\n  ".join(guard.errors))
    if site.failures:
        problems.append("failed requests to the test server:\n  " + "\n  ".join(site.failures))
        site.failures.clear()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page):
    return new_page()


# ---------------------------------------------------------------- the LMS session

class Lms:
    """One learner session: the LMS host page with the course launched in its iframe."""

    def __init__(self, page, site: Site, launch_href: str):
        self.page = page
        self.site = site
        self.launch_href = launch_href

    def launch(self, previous: dict | None = None) -> Lms:
        """Open the LMS page and launch the SCO. `previous`: the CMI the LMS kept last time."""
        self.page.goto(self.site.url("/lms/host12.html"))
        self.page.evaluate("([previous, url]) => window.startLms(previous, url)",
                           [previous, "/pkg/" + self.launch_href])
        self.course.locator("body.cp-js").wait_for(state="attached")
        return self

    @property
    def course(self):
        """The course iframe, for locators and clicks."""
        return self.page.frame_locator("iframe[title='Course']")

    @property
    def frame(self):
        """The course iframe as a Frame, for evaluate()."""
        frame = self.page.frame(name="course")
        assert frame is not None, "the course iframe is gone"
        return frame

    def log(self) -> list[list]:
        """Every API call the course made: [method, args, result]."""
        return self.page.evaluate("() => window.lmsLog")

    def calls(self, method: str) -> list[list]:
        return [entry for entry in self.log() if entry[0] == method]

    def cmi(self) -> dict:
        """The learner's record as the LMS holds it now."""
        return self.page.evaluate("() => window.lmsCmi()")

    def core(self, key: str) -> str:
        return self.cmi()["core"][key]

    def unload(self) -> None:
        """The LMS closes the SCO (navigates its frame away) without the learner's Exit."""
        self.page.evaluate("() => window.unloadCourse()")

    def visible_lessons(self) -> list[str]:
        return self.frame.evaluate(
            "() => [...document.querySelectorAll('article.cp-lesson')]"
            ".filter(a => !a.hidden && a.getClientRects().length > 0)"
            ".map(a => a.dataset.lesson)")


@pytest.fixture
def lms(page, site, launch_href) -> Lms:
    return Lms(page, site, launch_href)


@pytest.fixture
def make_lms(new_page, site, launch_href):
    """Factory for further sessions (relaunch in a fresh context, other viewports)."""
    def make(**context_options) -> Lms:
        return Lms(new_page(**context_options), site, launch_href)
    return make


@pytest.fixture(scope="session")
def axe_source(npm_packages) -> str:
    return npm_packages["axe-core"].read_text(encoding="utf-8")
