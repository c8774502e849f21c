"""Browser test rig: Debian's Chromium driven by Playwright, built packages served from
127.0.0.1, scorm-again as the LMS (tests/browser/lms/host12.html for SCORM 1.2,
host2004.html for SCORM 2004) and axe-core.

`build_package(course_folder, target)` builds any course with the coursepack CLI (in-process),
unzips it under the site root and reads its launch pages from the manifest; `lms_for(built)`
opens an LMS session on one of its SCOs.

Nothing may leave 127.0.0.1: every request of every page is routed, and any request to
another host is aborted, recorded and fails the test that made it.

Missing Chromium or missing npm packages skip these tests on a developer machine and fail
them under CI=true.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shutil
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import pytest

from coursepack.preview import byte_range

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
COURSE = REPO / "courses" / "leadership-in-social-care"
NODE_MODULES = HERE / "node_modules"
SCORM_AGAIN_JS = NODE_MODULES / "scorm-again" / "dist" / "scorm12.js"
SCORM_AGAIN_2004_JS = NODE_MODULES / "scorm-again" / "dist" / "scorm2004.js"
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
IMSCP_2004 = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
ADLCP_2004 = "{http://www.adlnet.org/xsd/adlcp_v1p3}"
IMSSS = "{http://www.imsglobal.org/xsd/imsss}"


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
    files = [*wanted.values(), SCORM_AGAIN_2004_JS]
    missing = [str(p.relative_to(REPO)) for p in files if not p.is_file()]
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
    return {**wanted, "scorm-again-2004": SCORM_AGAIN_2004_JS}


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


# ---------------------------------------------------------------- packages under test

def page_data(html: str) -> dict:
    """The JSON block (#cp-data) the runtime reads."""
    block = re.search(r'<script type="application/json" id="cp-data">(.*?)</script>', html, re.S)
    assert block, "no #cp-data block in the page"
    return json.loads(block.group(1))


class Sco:
    """One launchable page as the manifest declares it."""

    def __init__(self, href: str, title: str, mastery: str | None):
        self.href = href
        self.title = title
        self.mastery = mastery      # SCORM 1.2 adlcp:masteryscore, 2004 minNormalizedMeasure


class Built:
    """A package built by `coursepack build`, unzipped under the site root at /NAME/."""

    def __init__(self, name: str, root: Path, target: str, output: Path):
        self.name = name
        self.root = root
        self.target = target
        self.output = output        # what the CLI wrote (the zip; the folder for `web`)
        self.manifest = None
        self.scos: list[Sco] = []
        if target == "web":
            assert (root / "index.html").is_file(), "the web target has no index.html"
            assert not (root / "imsmanifest.xml").exists(), "a web folder has no manifest"
            self.scos = [Sco("index.html", "", None)]
        else:
            self.manifest = ElementTree.parse(root / "imsmanifest.xml").getroot()
            self.scos = self._scos_from_manifest()

    def _scos_from_manifest(self) -> list[Sco]:
        """The SCOs in the order the organization lists them (as an LMS shows them)."""
        v12 = self.target == "scorm12"
        cp, adlcp = (IMSCP, ADLCP) if v12 else (IMSCP_2004, ADLCP_2004)
        kind = f"{adlcp}scormtype" if v12 else f"{adlcp}scormType"
        resources = {r.get("identifier"): r for r in self.manifest.iter(f"{cp}resource")}
        scos = []
        for item in self.manifest.iter(f"{cp}item"):
            resource = resources.get(item.get("identifierref"))
            if resource is None or resource.get(kind) != "sco":
                continue
            href = resource.get("href")
            assert href and "?" not in href and (self.root / href).is_file(), href
            if v12:
                mastery = item.findtext(f"{adlcp}masteryscore")
            else:
                mastery = item.findtext(f"{IMSSS}sequencing/{IMSSS}objectives/"
                                        f"{IMSSS}primaryObjective/{IMSSS}minNormalizedMeasure")
            scos.append(Sco(href, item.findtext(f"{cp}title") or "", mastery))
        declared = [r for r in resources.values() if r.get(kind) == "sco"]
        assert len(scos) == len(declared), "a SCO resource that no item launches"
        return scos

    @property
    def launches(self) -> list[str]:
        return [sco.href for sco in self.scos]

    def path(self, href: str = "") -> str:
        """The site path of a file of the package."""
        return f"/{self.name}/{href}"

    def data(self, href: str | None = None) -> dict:
        return page_data((self.root / (href or self.launches[0])).read_text(encoding="utf-8"))


def build_course(folder: Path, target: str, out: Path) -> Path:
    """`coursepack build FOLDER --target TARGET --out OUT`, in-process; what it wrote."""
    from click.testing import CliRunner

    from coursepack.cli import main

    result = CliRunner().invoke(main, ["build", str(folder), "--target", target,
                                       "--out", str(out)])
    assert result.exit_code == 0, f"coursepack build {folder} failed:\n{result.output}"
    if target == "web":
        folders = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
        assert len(folders) == 1, f"expected one web folder, got {folders}"
        return folders[0]
    zips = sorted(out.glob("*.zip"))
    assert len(zips) == 1, f"expected one package, got {zips}"
    return zips[0]


@pytest.fixture(scope="session")
def build_package(tmp_path_factory, site):
    """Factory: build_package(course_folder, target="scorm12", name=None) -> Built.
    Each (folder, target) is built once per session."""
    built: dict[tuple[Path, str], Built] = {}

    def make(folder: Path, target: str = "scorm12", name: str | None = None) -> Built:
        folder = Path(folder).resolve()
        if (folder, target) in built:
            return built[(folder, target)]
        if (folder, target) == (COURSE.resolve(), "scorm12"):
            name = "pkg"    # whichever test builds it first, the example is at /pkg/
        name = name or f"{folder.name}-{target}-{len(built)}"
        dest = site.root / name
        assert not dest.exists(), f"{dest} is taken"
        output = build_course(folder, target, tmp_path_factory.mktemp(f"build-{target}"))
        if output.is_dir():
            shutil.copytree(output, dest)
        else:
            with zipfile.ZipFile(output) as archive:
                archive.extractall(dest)
        built[(folder, target)] = Built(name, dest, target, output)
        return built[(folder, target)]

    return make


@pytest.fixture(scope="session")
def example_package(build_package) -> Built:
    """The example course as the default target (SCORM 1.2) builds it, served at /pkg/."""
    return build_package(COURSE, "scorm12")


@pytest.fixture(scope="session")
def package_dir(example_package) -> Path:
    """`coursepack build` of the sample course, unzipped."""
    return example_package.root


@pytest.fixture(scope="session")
def launch_href(example_package) -> str:
    """The SCO's launch file, as the manifest names it (an LMS launches what the manifest says)."""
    assert len(example_package.scos) == 1, "expected exactly one SCO in the manifest"
    return example_package.launches[0]


@pytest.fixture(scope="session")
def course_data(package_dir, launch_href) -> dict:
    """The JSON block (#cp-data) the runtime reads, checked against the page's articles."""
    html = (package_dir / launch_href).read_text(encoding="utf-8")
    data = page_data(html)
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
    """A static server that, like the web servers LMSs run on, answers Range requests
    (without them a browser cannot seek in a video)."""
    failures: list  # set per server

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        header = self.headers.get("Range")
        if not header or not path.is_file():
            return super().send_head()
        data = path.read_bytes()
        wanted = byte_range(header, len(data))
        if wanted is None:
            return super().send_head()
        start, end = wanted
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        return io.BytesIO(data[start:end + 1])

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
def site(tmp_path_factory, npm_packages):
    """/lms/ the LMS host pages and scorm-again, /vendor/ axe-core, and every package
    build_package makes (/pkg/: the example course, SCORM 1.2)."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(HERE / "lms", root / "lms")
    shutil.copy2(npm_packages["scorm-again"], root / "lms" / "scorm12.js")
    shutil.copy2(npm_packages["scorm-again-2004"], root / "lms" / "scorm2004.js")
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
    """Aborts and records every request that would leave 127.0.0.1 (or, for a package opened
    from the file system, the folders allowed with allow_files); collects page errors,
    console errors and Content-Security-Policy violations."""

    def __init__(self):
        self.outside: list[str] = []
        self.allowed: list[str] = []
        self.errors: list[str] = []
        self.folders: list[Path] = []

    def allow_files(self, folder: Path) -> None:
        """Let pages read file:// URLs inside folder (a package opened from the disk)."""
        self.folders.append(Path(folder).resolve())

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss"):
            return parts.hostname == ALLOWED_HOST
        if parts.scheme == "file" and not parts.netloc:
            path = Path(unquote(parts.path)).resolve()
            return any(path.is_relative_to(folder) for folder in self.folders)
        return False

    def route(self, route, request):
        if self._allowed(request.url):
            self.allowed.append(request.url)
            route.continue_()
        else:
            self.outside.append(f"{request.method} {request.url}")
            route.abort("blockedbyclient")

    def watch(self, page):
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("console", lambda msg: msg.type == "error"
                and self.errors.append(f"console: {msg.text} ({msg.location.get('url', '')})"))


# Every frame reports Content-Security-Policy violations as console errors, so that the
# guard sees them whether or not the browser logs them itself.
CSP_REPORTER = """document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + " in " + e.documentURI);
});"""


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
        context.add_init_script(CSP_REPORTER)
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

HOST_PAGES = {"scorm12": "/lms/host12.html", "scorm2004": "/lms/host2004.html"}


class Lms:
    """One learner session: the LMS host page with the course launched in its iframe.

    `launch` is the SCO's path on the site (or, as before, its href inside /pkg/);
    `settings` is what the LMS takes from the manifest for this SCO (SCORM 1.2:
    mastery_score; SCORM 2004: scaled_passing_score)."""

    def __init__(self, page, site: Site, launch: str, standard: str = "scorm12",
                 settings: dict | None = None):
        self.page = page
        self.site = site
        self.launch_path = launch if launch.startswith("/") else "/pkg/" + launch
        self.launch_href = launch
        self.standard = standard
        self.settings = settings or {}

    @property
    def v12(self) -> bool:
        return self.standard == "scorm12"

    def launch(self, previous: dict | None = None) -> Lms:
        """Open the LMS page and launch the SCO. `previous`: the CMI the LMS kept last time."""
        self.page.goto(self.site.url(HOST_PAGES[self.standard]))
        self.page.evaluate("([previous, url, settings]) =>"
                           " window.startLms(previous, url, settings)",
                           [previous, self.launch_path, self.settings])
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

    def set_values(self, element: str) -> list[str]:
        """Values the course sent for one CMI element, in order."""
        setter = "LMSSetValue" if self.v12 else "SetValue"
        return [args[1] for method, args, _ in self.log()
                if method == setter and args[0] == element]

    def set_between_commits(self) -> list[set[str]]:
        """For each commit, the elements the course set since the commit before."""
        setter, commit = ("LMSSetValue", "LMSCommit") if self.v12 else ("SetValue", "Commit")
        out: list[set[str]] = []
        since: set[str] = set()
        for method, args, _ in self.log():
            if method == setter:
                since.add(args[0])
            elif method == commit:
                out.append(since)
                since = set()
        return out

    def cmi(self) -> dict:
        """The learner's record as the LMS holds it now."""
        return self.page.evaluate("() => window.lmsCmi()")

    def value(self, element: str):
        """One element of the record the LMS holds, by its dotted CMI name
        ("cmi.core.score.raw", "cmi.interactions.3.correct_responses.0.pattern")."""
        node = {"cmi": self.cmi()}
        for part in element.split("."):
            if isinstance(node, list):
                node = node[int(part)]
            else:
                assert part in node, f"{element}: the LMS holds no {part!r} in {sorted(node)}"
                node = node[part]
        return node

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


def lms_settings(built: Built, href: str) -> dict:
    """What an LMS takes from the manifest for one SCO when it launches it."""
    sco = next(s for s in built.scos if s.href == href)
    if sco.mastery is None:
        return {}
    key = "mastery_score" if built.target == "scorm12" else "scaled_passing_score"
    return {key: sco.mastery}


@pytest.fixture
def lms(page, site, example_package, launch_href) -> Lms:
    return Lms(page, site, example_package.path(launch_href), "scorm12",
               lms_settings(example_package, launch_href))


@pytest.fixture
def make_lms(new_page, site, example_package, launch_href):
    """Factory for further sessions (relaunch in a fresh context, other viewports)."""
    def make(**context_options) -> Lms:
        return Lms(new_page(**context_options), site, example_package.path(launch_href),
                   "scorm12", lms_settings(example_package, launch_href))
    return make


@pytest.fixture
def lms_for(new_page, site):
    """Factory: an LMS session (in a fresh browser context) on one SCO of a built package.
    lms_for(built, href=None, **context_options); href defaults to the first SCO."""
    def make(built: Built, href: str | None = None, **context_options) -> Lms:
        assert built.target in HOST_PAGES, f"no LMS for the {built.target} target"
        href = href or built.launches[0]
        return Lms(new_page(**context_options), site, built.path(href), built.target,
                   lms_settings(built, href))
    return make


@pytest.fixture(scope="session")
def axe_source(npm_packages) -> str:
    return npm_packages["axe-core"].read_text(encoding="utf-8")
