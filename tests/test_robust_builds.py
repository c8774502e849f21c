"""Builds that never leave a mess, and the same bytes whatever the machine's settings."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import MINIMAL, REPO, outputs, write_course

sys.path.insert(0, str(REPO / "bench"))
from make_course import generate  # noqa: E402

COURSEPACK = [sys.executable, "-m", "coursepack"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_build(course: Path, out: Path, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(COURSEPACK + ["build", "-q", "--no-cache", str(course), "--out", str(out)],
                          env=env, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def big_course(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("big") / "course", scale=0.15)


def test_killed_build_leaves_previous_zip_and_nothing_else(big_course, tmp_path):
    out = tmp_path / "out"
    first = run_build(big_course, out)
    assert first.returncode == 0, first.stderr
    [zip_path] = [out / name for name in outputs(out)]
    before = sha(zip_path)
    started = time.monotonic()
    assert run_build(big_course, tmp_path / "timing").returncode == 0
    duration = time.monotonic() - started
    # Kill builds at moments spread over a whole build, the last ones near its very end.
    for fraction in (0.2, 0.5, 0.8, 0.9, 0.95, 0.99):
        process = subprocess.Popen(COURSEPACK + ["build", "-q", "--no-cache", str(big_course), "--out", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert outputs(out) == [zip_path.name], fraction
        assert sha(zip_path) == before


def test_two_builds_at_once_do_not_corrupt_each_other(big_course, tmp_path):
    out = tmp_path / "out"
    expected = tmp_path / "alone"
    assert run_build(big_course, expected).returncode == 0
    [reference] = [expected / name for name in outputs(expected)]
    processes = [subprocess.Popen(COURSEPACK + ["build", "-q", "--no-cache", str(big_course), "--out", str(out)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
    for process in processes:
        assert process.wait() == 0, process.stderr.read()
    assert outputs(out) == [reference.name]
    assert sha(out / reference.name) == sha(reference)


def test_a_package_is_named_only_once_complete(tmp_path):
    """Where the file system can make a file with no name (O_TMPFILE), a package is written
    there and linked to its name once complete; elsewhere a named temporary file is used."""
    from coursepack.package import archive
    try:
        os.close(os.open(tmp_path, os.O_TMPFILE | os.O_WRONLY, 0o644))
        anonymous = True
    except (AttributeError, OSError):
        anonymous = False
    temp = tmp_path / ".package.zip.tmp"
    assert archive._publish_anonymous(tmp_path, temp, b"complete", False) == anonymous
    if anonymous:
        assert temp.read_bytes() == b"complete" and oct(temp.stat().st_mode)[-3:] == "644"
    archive.publish(tmp_path / "package.zip", lambda out: out.write(b"written"))
    assert (tmp_path / "package.zip").read_bytes() == b"written"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [temp.name] * anonymous + ["package.zip"])


def test_same_bytes_under_other_zone_umask_locale_and_mtimes(tmp_path):
    course = write_course(tmp_path / "c", MINIMAL)
    plain = run_build(course, tmp_path / "a", env={**os.environ, "TZ": "UTC", "LC_ALL": "C"})
    assert plain.returncode == 0, plain.stderr
    for path in course.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    other_env = {**os.environ, "TZ": "Pacific/Chatham", "LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}
    other = subprocess.run(["sh", "-c", 'umask 077 && exec "$@"', "sh", *COURSEPACK, "build", "-q",
                            str(course), "--out", str(tmp_path / "b")],
                           env=other_env, capture_output=True, text=True)
    assert other.returncode == 0, other.stderr
    assert sha(tmp_path / "a" / "tiny-scorm12.zip") == sha(tmp_path / "b" / "tiny-scorm12.zip")
    assert (tmp_path / "b" / "tiny-scorm12.zip").stat().st_mode & 0o777 == 0o644


def test_source_date_epoch_changes_only_the_times(tmp_path):
    course = write_course(tmp_path / "c", MINIMAL)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    assert run_build(course, tmp_path / "a", env=env).returncode == 0
    assert run_build(course, tmp_path / "b", env=env).returncode == 0
    assert run_build(course, tmp_path / "c").returncode == 0
    a, b, c = (sha(tmp_path / x / "tiny-scorm12.zip") for x in "abc")
    assert a == b != c


def test_the_command_exits_with_its_code_and_all_its_output(tmp_path):
    """The console command leaves without the interpreter's teardown: every exit code, the
    whole report and the package still come out through pipes, and a reader that goes
    away early gets no traceback."""
    course = write_course(tmp_path / "course", MINIMAL)
    built = subprocess.run(COURSEPACK + ["build", str(course), "--out", str(tmp_path / "out")],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built ") and "0 errors, 0 warnings" in built.stderr
    [package] = (tmp_path / "out").glob("*.zip")
    assert package.stat().st_size > 1000
    (course / "course.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    broken = subprocess.run(COURSEPACK + ["validate", str(course)], capture_output=True,
                            text=True)
    assert broken.returncode == 1 and "error[yaml-syntax]" in broken.stdout
    assert broken.stdout.rstrip().endswith("1 error, 0 warnings in 1 course")
    usage = subprocess.run(COURSEPACK + ["build", "--bogus"], capture_output=True, text=True)
    assert usage.returncode == 2 and "No such option" in usage.stderr
    closed = subprocess.Popen(COURSEPACK + ["--help"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    closed.stdout.close()                    # the reader went away before the output came
    assert closed.wait(timeout=60) in (0, 1)
    assert closed.stderr.read() == b""


def test_preview_keeps_watching_after_a_rebuild_that_fails(tmp_path, monkeypatch):
    """Whatever one rebuild raises, the watcher reports it and rebuilds after the next edit."""
    import threading

    from coursepack import pipeline
    from coursepack.preview import start
    course = write_course(tmp_path / "c", MINIMAL)
    lesson = course / "lessons" / "one.md"
    lines: list[str] = []
    said = threading.Condition()

    def echo(line: str) -> None:
        with said:
            lines.append(line)
            said.notify_all()

    def edit_until(text: str) -> None:
        """Edit the lesson until the preview says text (the watcher may not be watching yet)."""
        for n in range(20):
            lesson.write_text(lesson.read_text() + f"\nEdit {n}.\n")
            with said:
                if said.wait_for(lambda: any(text in line for line in lines), timeout=1):
                    return
        raise AssertionError(lines)

    server, _, stop = start(course, 0, echo=echo)
    try:
        real_check = pipeline.check
        monkeypatch.setattr(pipeline, "check", lambda *a, **k: 1 / 0)
        edit_until("not rebuilt: ZeroDivisionError")
        monkeypatch.setattr(pipeline, "check", real_check)
        time.sleep(0.5)                              # the failed rebuild's echo is all out
        with said:
            lines.clear()
        edit_until("rebuilt in")
        assert not any("not rebuilt" in line for line in lines), lines
    finally:
        stop.set()
        server.server_close()
