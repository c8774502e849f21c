import os
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "courses" / "leadership-in-social-care"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(condition: bool, reason: str) -> None:
    """Skip on a developer's machine when a real part is missing; fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this may not be skipped)")
    pytest.skip(reason)


def in_own_process(request) -> bool:
    """For tests of work shared with a forked process. coursepack never forks from a process
    with threads, and the test session may have some (the browser tests' servers): outside,
    this runs the calling test again in a fresh pytest process, fails if it fails there, and
    returns False (the caller returns); inside that process it returns True."""
    if os.environ.get("COURSEPACK_OWN_PROCESS") == request.node.nodeid:
        return True
    import subprocess
    import sys
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", request.node.nodeid],
        cwd=request.config.rootpath, capture_output=True, text=True,
        env={**os.environ, "COURSEPACK_OWN_PROCESS": request.node.nodeid})
    assert done.returncode == 0 and re.search(r"^1 passed", done.stdout, re.M), \
        done.stdout + done.stderr
    return False


@pytest.fixture(scope="session")
def scorm_schemas() -> Path:
    """The official SCORM XSDs: $COURSEPACK_SCORM_SCHEMAS, or ../shared/scorm-schemas."""
    folder = Path(os.environ.get("COURSEPACK_SCORM_SCHEMAS", REPO.parent / "shared" / "scorm-schemas"))
    need((folder / "scorm12" / "imscp_rootv1p1p2.xsd").is_file(),
         f"SCORM schema folder not found at {folder}; set COURSEPACK_SCORM_SCHEMAS")
    return folder


def write_course(root: Path, files: dict[str, str]) -> Path:
    """Write a course from {relative path: text}; text is dedented."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def outputs(out: Path) -> list[str]:
    """What a build left in its output folder, its cache aside; never a temporary file."""
    assert not [p for p in out.rglob("*.tmp")], "temporary files were left behind"
    return sorted(p.name for p in out.iterdir() if p.name != ".cache")


MINIMAL = {
    "course.yaml": """
        id: tiny
        title: Tiny course
        language: en
        version: "1.0"
        modules:
          - id: only
            title: Only module
            lessons:
              - lessons/one.md
              - lessons/two.md
        """,
    "lessons/one.md": """
        ---
        title: First lesson
        ---

        ## Hello

        Some *text*.
        """,
    "lessons/two.md": """
        ---
        title: Second lesson
        minutes: 3
        ---

        Back to [the first](one.md).
        """,
}


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_course(tmp_path / "tiny", MINIMAL)


@pytest.fixture
def cli():
    runner = CliRunner()

    def run(*args, **kw):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)
    return run


def cited(text: str) -> list:
    """The citations a lesson's Markdown holds, as its parse finds them."""
    from coursepack import commonmark, markdown
    found = []
    source = text.encode("utf-8")

    class Finder(commonmark.Writer):
        def text(self, run, out, in_link):
            if not in_link:
                found.extend(cluster for _, _, cluster in
                             markdown.find_citations(run, source).spans)

    Finder().write(commonmark.events(text))
    return found
