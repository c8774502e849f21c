"""Readers: positions from the first byte, and a diagnostic (never a traceback) for bad input."""

from pathlib import Path

import pytest

from conftest import MINIMAL, write_course
from coursepack.diagnostics import Report
from coursepack.load.course import load_course


def load(folder: Path):
    report = Report()
    return load_course(folder, report), report


def codes(report):
    return [(d.code, Path(d.file).name, d.line) for d in report.sorted()]


def test_model_keeps_source_positions(tiny):
    course, report = load(tiny)
    assert report.items == []
    module = course.modules[0]
    assert (module.source.line, module.source.column) == (6, 5)
    assert [lesson.id for lesson in course.lessons] == ["one", "two"]
    assert course.lessons[0].body_line == 4
    assert course.lessons[1].minutes == 3
    assert course.source.file.endswith("course.yaml")


@pytest.mark.parametrize("text, code, line", [
    ("id: x\ntitle: [unclosed\n", "yaml-syntax", 3),
    ("id: x\n\ttitle: tab\n", "yaml-syntax", 2),
    ("id: a\nid: b\n", "duplicate-key", 2),
    ("- just\n- a list\n", "wrong-type", 1),
    ("", "empty-file", 1),
])
def test_broken_course_yaml(tmp_path, text, code, line):
    (tmp_path / "course.yaml").write_text(text)
    _, report = load(tmp_path)
    assert report.errors
    assert (code, "course.yaml", line) in codes(report)


def test_missing_required_keys_are_all_listed(tmp_path):
    (tmp_path / "course.yaml").write_text("title: Only a title\n")
    _, report = load(tmp_path)
    missing = sorted(d.message.split("'")[-2] for d in report.items if d.code == "missing-key")
    assert missing == ["id", "language", "modules", "version"]


def test_number_where_text_expected_gets_a_quoting_hint(tmp_path):
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace('version: "1.0"', "version: 1.0")
    _, report = load(write_course(tmp_path, files))
    [d] = report.items
    assert (d.code, d.line, d.column) == ("wrong-type", 4, 10)
    assert d.hint == 'put the value in quotes: "1.0"'


def test_paths_may_not_leave_the_course(tmp_path):
    (tmp_path / "secret.md").write_text("---\ntitle: Outside\n---\n")
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace(
        "lessons/two.md", "../secret.md").replace("lessons/one.md", "/etc/passwd")
    _, report = load(write_course(tmp_path / "c", files))
    assert [d.code for d in report.sorted()] == ["path-outside-course", "path-outside-course"]


def test_symlink_leading_outside_is_refused(tmp_path):
    (tmp_path / "outside.md").write_text("---\ntitle: Outside\n---\n")
    course = write_course(tmp_path / "c", MINIMAL)
    (course / "lessons" / "two.md").unlink()
    (course / "lessons" / "two.md").symlink_to(tmp_path / "outside.md")
    _, report = load(course)
    assert [d.code for d in report.items] == ["path-outside-course"]


def test_symlink_loop_is_reported_as_such(tmp_path):
    course = write_course(tmp_path / "c", MINIMAL)
    (course / "lessons" / "two.md").unlink()
    (course / "lessons" / "two.md").symlink_to("loop.md")
    (course / "lessons" / "loop.md").symlink_to("two.md")
    _, report = load(course)
    [d] = report.items
    assert d.code == "bad-path" and "loop" in d.message


def test_missing_lesson_file_suggests_a_close_name(tmp_path):
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace("lessons/two.md", "lessons/tow.md")
    _, report = load(write_course(tmp_path, files))
    [d] = report.items
    assert d.code == "missing-file" and d.hint == "did you mean 'two.md'?"


def test_many_missing_files_list_their_folder_once_and_see_files_added(tmp_path,
                                                                      monkeypatch):
    """The hint for a missing file compares it with its folder's names; a course naming
    thousands of missing files lists each folder once (it took seconds), yet a file added
    to the folder since is suggested."""
    import os

    from coursepack.diagnostics import Source
    from coursepack.load.files import resolve_inside
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "chart.png").write_bytes(b"png")
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path: listed.append(path) or real_listdir(path))
    report = Report()
    for n in range(300):
        assert resolve_inside(tmp_path, f"images/chrat{n % 3}.png", Source("x.md", n + 1, 1),
                              report, "image") is None
    assert len(listed) == 1 and len(report.items) == 300
    assert {d.hint for d in report.items} == {"did you mean 'chart.png'?"}
    (tmp_path / "images" / "chrat1.pnj").write_bytes(b"png")
    report = Report()
    resolve_inside(tmp_path, "images/chrat1.png", Source("x.md", 1, 1), report, "image")
    assert report.items[0].hint == "did you mean 'chrat1.pnj'?" and len(listed) == 2


@pytest.mark.parametrize("raw, code, line", [
    (b"---\ntitle: ok\n---\nbad \xff byte\n", "bad-encoding", 4),
    (b"\xff\xfe-\x00-\x00", "bad-encoding", 1),
    (b"---\ntitle: x\n---\n\x00\x01binary", "binary-file", 4),
    (b"---\ntitle: never closed\n", "front-matter-unclosed", 1),
    (b"no front matter at all\n", "front-matter-missing", 1),
    (b"---\ntitle: x\nunknwon: 1\n---\n", "unknown-key", 3),
    (b"---\ntitle: x\n  bad: indent\n---\n", "yaml-syntax", 3),
])
def test_broken_lessons(tmp_path, raw, code, line):
    course = write_course(tmp_path, MINIMAL)
    (course / "lessons" / "one.md").write_bytes(raw)
    result, report = load(course)
    assert [lesson.id for lesson in result.lessons] == ["two"]  # the rest is still read
    assert (code, "one.md", line) in codes(report)


def test_bom_and_crlf_are_read(tmp_path):
    course = write_course(tmp_path, MINIMAL)
    (course / "lessons" / "one.md").write_bytes(
        "\ufeff---\r\ntitle: Crlf\r\n---\r\n\r\nBody\r\n".encode())
    result, report = load(course)
    assert report.items == []
    assert result.lessons[0].title == "Crlf"
    assert result.lessons[0].markdown == "\nBody\n"


def test_anchor_bomb_is_stopped(tmp_path):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        name = chr(ord("a") + i)
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    (tmp_path / "course.yaml").write_text("\n".join(lines) + "\n")
    _, report = load(tmp_path)
    assert [d.code for d in report.items] == ["yaml-too-large"]


def test_yaml_reader_pattern_is_compiled_only_when_used():
    """PyYAML is imported without compiling its pure-Python reader's character pattern;
    that reader, when used, still refuses what the pattern forbids."""
    import subprocess
    import sys
    probe = (
        "import coursepack.load.yamlpos as Y, yaml\n"
        "from coursepack.diagnostics import Report, Source\n"
        "r = Report()\n"
        "doc = Y.parse_yaml('a: [1, 2020-01-02, !!float 3]\\nb: \\u00e9\\n', Source('f'), r)\n"
        "print(doc.data, r.items, type(yaml.reader.Reader.NON_PRINTABLE).__name__)\n"
        "try:\n"
        "    yaml.load('a: \\x07', Loader=yaml.SafeLoader)\n"
        "except yaml.reader.ReaderError as exc:\n"
        "    print(exc.character)\n"
        "print(yaml.load('a: \\u00e9', Loader=yaml.SafeLoader))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["{'a': [1, datetime.date(2020, 1, 2), 3.0], 'b': 'é'} [] Pattern",
                   "7", "{'a': 'é'}"]


def test_control_character_in_course_yaml_is_located(tmp_path):
    (tmp_path / "course.yaml").write_text("id: x\ntitle: a\x07b\n")
    _, report = load(tmp_path)
    assert ("yaml-syntax", "course.yaml", 2) in codes(report)


def test_lazy_patterns_compile_on_first_use_and_match_as_re_does():
    import re

    from coursepack import lazyre
    pattern = lazyre.compile(r"(a+)(b)?", re.IGNORECASE)
    assert "match" not in vars(pattern)                     # nothing compiled yet
    assert pattern.match("AAb").groups() == ("AA", "b")
    assert "match" in vars(pattern)                         # now bound to the compiled one
    assert pattern.sub("x", "aab aa c") == re.sub(r"(a+)(b)?", "x", "aab aa c", flags=re.I)
    assert pattern.pattern == r"(a+)(b)?" and pattern.groups == 2
