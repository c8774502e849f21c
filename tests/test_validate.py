"""`coursepack validate`: every problem reported, with its place, in three formats."""

import json
import re
import textwrap

from conftest import EXAMPLE, MINIMAL, write_course

PLANTED = {
    "course.yaml": """
        id: planted
        title: Five mistakes
        language: english!
        version: "1.0"
        descripton: typo in a key
        modules:
          - id: first
            title: First
            lessons:
              - lessons/one.md
              - lessons/missing.md
          - id: first
            title: Same id again
            lessons:
              - lessons/two.md
        """,
    "lessons/one.md": """
        ---
        title: One
        ---
        Text.
        """,
    "lessons/two.md": """
        ---
        title: Two
        minutes: five
        ---
        Text.
        """,
}


def test_five_planted_mistakes_all_reported_with_lines(tmp_path, cli):
    course = write_course(tmp_path / "planted", PLANTED)
    result = cli("validate", course, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    found = {(d["code"], d["file"].split("planted/")[-1], d["line"], d["column"])
             for d in doc["diagnostics"]}
    assert found == {
        ("bad-value", "course.yaml", 3, 11),          # language tag
        ("unknown-key", "course.yaml", 5, 1),         # descripton
        ("missing-file", "course.yaml", 11, 9),       # lessons/missing.md
        ("duplicate-id", "course.yaml", 12, 5),       # module id 'first' again
        ("wrong-type", "lessons/two.md", 3, 10),      # minutes: five
    }
    assert doc["summary"] == {"errors": 5, "warnings": 0}
    assert doc["version"] == 1
    hints = {d["code"]: d["hint"] for d in doc["diagnostics"]}
    assert hints["unknown-key"] == "did you mean 'description'?"
    assert "BCP 47" in hints["bad-value"]


def test_text_format_shows_source_line_and_caret(tmp_path, cli):
    course = write_course(tmp_path / "planted", PLANTED)
    result = cli("validate", course)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    i = next(n for n, line in enumerate(lines) if "unknown-key" in line)
    assert re.search(r"course\.yaml:5:1: error\[unknown-key\]: unknown key 'descripton'", lines[i])
    assert lines[i + 1] == "    5 | descripton: typo in a key"
    assert lines[i + 2] == "      | ^"
    assert lines[i + 3] == "  hint: did you mean 'description'?"
    assert lines[-1] == "5 errors, 0 warnings in 1 course"
    assert "\x1b[" not in result.stdout  # no colour when piped


def test_github_format_is_workflow_annotations(tmp_path, cli):
    course = write_course(tmp_path / "planted", PLANTED)
    result = cli("validate", course, "--format", "github")
    assert result.exit_code == 1
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 5
    pattern = re.compile(r"^::(error|warning) file=[^,:]+,line=\d+,col=\d+,title=[\w-]+::.+$")
    for line in annotations:
        assert pattern.match(line), line
    assert any("line=5,col=1,title=unknown-key::unknown key 'descripton'" in a for a in annotations)


def test_example_course_validates_clean_even_strict(cli):
    result = cli("validate", EXAMPLE, "--strict")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip().endswith("0 errors, 0 warnings in 1 course")


def test_strict_turns_warnings_into_failure(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = "---\ntitle: One\n---\n# A level-one heading\n"
    course = write_course(tmp_path / "c", files)
    assert cli("validate", course).exit_code == 0
    result = cli("validate", course, "--strict")
    assert result.exit_code == 1
    assert "warning[heading-h1]" in result.stdout
    assert "lessons/one.md:4:1" in result.stdout


def test_usage_errors_exit_2(tmp_path, cli):
    assert cli("validate", tmp_path / "nope").exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("validate", empty)
    assert result.exit_code == 2
    assert "no course.yaml found" in result.output
    assert cli("validate", "--format", "xml", empty).exit_code == 2


def test_all_courses_in_a_folder_are_checked(tmp_path, cli):
    write_course(tmp_path / "a", MINIMAL)
    broken = dict(MINIMAL)
    broken["course.yaml"] = MINIMAL["course.yaml"].replace("id: tiny", "id: Tiny Course")
    write_course(tmp_path / "b", broken)
    result = cli("validate", tmp_path, "--format", "json")
    doc = json.loads(result.stdout)
    assert len(doc["courses"]) == 2
    assert [d["code"] for d in doc["diagnostics"]] == ["bad-value"]
    assert result.exit_code == 1


def test_ids_cannot_smuggle_a_newline(tmp_path, cli):
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace("id: tiny", "id: |\n          tiny")
    course = write_course(tmp_path / "c", files)
    result = cli("validate", course, "--format", "json")
    assert [d["code"] for d in json.loads(result.stdout)["diagnostics"]] == ["bad-value"]


def test_link_problems_point_at_the_link(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = ("---\ntitle: One\n---\nFirst line of a paragraph\n"
                               "and then [a link](../../outside.md) here.\n")
    course = write_course(tmp_path / "c", files)
    result = cli("validate", course)
    assert "lessons/one.md:5:19: error[path-outside-course]: link target " \
           "'../../outside.md' points outside the course folder" in result.stdout


def test_colour_only_on_a_terminal(tmp_path):
    from coursepack.diagnostics import Report, format_text
    from coursepack.pipeline import check
    course = write_course(tmp_path / "planted", PLANTED)
    report = Report()
    check(course, report)
    coloured = format_text(report, 1, color=True)
    assert "\x1b[1;31merror\x1b[0m[unknown-key]" in coloured
    assert "\x1b[1;32m^\x1b[0m" in coloured
    assert "\x1b[" not in format_text(report, 1, color=False)


def quiz_diagnostics(tmp_path, cli, questions: str) -> list[dict]:
    """`validate --format json` of a course whose second lesson is a quiz of these questions
    (YAML, as under 'questions:'; the first question is on line 5)."""
    files = dict(MINIMAL)
    files["lessons/two.md"] = ("---\ntitle: Check\nquiz:\n  questions:\n"
                               + textwrap.indent(textwrap.dedent(questions).strip("\n"), "    ")
                               + "\n---\n")
    course = write_course(tmp_path / "c", files)
    return json.loads(cli("validate", course, "--format", "json").output)["diagnostics"]


def test_quiz_keys_a_question_does_not_use_are_reported_where_written(tmp_path, cli):
    found = [(d["code"], d["line"], d["column"], d["message"]) for d in quiz_diagnostics(
        tmp_path, cli, """
        - id: pick
          type: single
          prompt: Pick
          options: [{text: a, correct: true}, {text: b}]
          answer: 3
        - id: truth
          type: true-false
          prompt: True?
          answer: true
          range: [1, 2]
        - id: size
          type: numeric
          prompt: How many?
          answer: 5
          range: [1, 9]
        """)]
    assert found == [
        ("quiz-field-ignored", 9, 7, "'answer' is not used by a single question"),
        ("quiz-field-ignored", 14, 7, "'range' is not used by a true-false question"),
        ("quiz-field-ignored", 18, 7,
         "question 'size' gives both 'answer' and 'range'; the range is used")]


def test_a_numeric_rule_points_at_the_key_it_is_about(tmp_path, cli):
    found = quiz_diagnostics(tmp_path, cli, """
        - id: a
          type: numeric
          prompt: How many?
          range: [5, 3]
        - id: b
          type: numeric
          prompt: And?
          tolerance: 1.0e+308
          answer: 1.0e+308
        """)
    assert [(d["code"], d["line"], d["column"]) for d in found] == [
        ("bad-value", 8, 7), ("out-of-range", 13, 7)]


def test_quiz_rules_point_at_the_setting_they_are_about(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/two.md"] = ("---\ntitle: Check\nquiz:\n  pass_mark: 50\n  draw: 2\n"
                               "  questions:\n    - {id: a, type: true-false, prompt: A?, "
                               "answer: true, weight: 0}\n---\n")
    course = write_course(tmp_path / "c", files)
    found = json.loads(cli("validate", course, "--format", "json").output)["diagnostics"]
    assert [(d["code"], d["line"], d["column"]) for d in found] == [
        ("quiz-no-weight", 4, 3), ("quiz-draw-too-many", 5, 3), ("quiz-zero-weight", 7, 7)]


def test_values_yaml_reads_as_true_or_false_get_a_hint_that_quotes_them_as_written(
        tmp_path, cli):
    found = quiz_diagnostics(tmp_path, cli, """
        - id: a
          type: fill-in
          prompt: Say
          answers: [yes, "no", On]
        - id: b
          type: single
          prompt: Pick
          options:
            - {text: Off, correct: true}
            - {text: "B"}
        - id: c
          type: numeric
          prompt: How many?
          range: [1, 2, 3]
        """)
    assert [(d["code"], d["line"], d["hint"]) for d in found] == [
        ("wrong-type", 8, 'put the value in quotes: "yes"'),
        ("wrong-type", 8, 'put the value in quotes: "On"'),
        ("wrong-type", 13, 'put the value in quotes: "Off"'),
        ("bad-value", 18, "remove the extra entries")]


def test_numbers_among_fill_in_answers_are_accepted_as_written(tmp_path):
    from coursepack.diagnostics import Report
    from coursepack.pipeline import check
    files = dict(MINIMAL)
    files["lessons/two.md"] = ("---\ntitle: Check\nquiz:\n  questions:\n    - {id: a, "
                               "type: fill-in, prompt: How much?, answers: [1.0, 2.50, 3]}\n"
                               "---\n")
    checked = check(write_course(tmp_path / "c", files), Report())
    [lesson] = [lesson for lesson in checked.course.lessons if lesson.quiz]
    assert lesson.quiz.questions[0].answers == ("1.0", "2.50", "3")


def test_quiz_text_with_blocks_is_a_warning(tmp_path, cli):
    found = quiz_diagnostics(tmp_path, cli, """
        - id: pick
          type: single
          prompt: "Read this first.\\n\\n- item one\\n- item two"
          options:
            - {text: "One line\\nstill one paragraph", correct: true}
            - {text: "1. five apples, # and a hash, > or - a dash"}
        """)
    assert [(d["code"], d["line"]) for d in found] == [("quiz-text-blocks", 7)]


def test_text_output_shows_control_characters_and_puts_the_caret_under_wide_text(tmp_path):
    from coursepack.diagnostics import Report, Source, format_text
    path = tmp_path / "one.md"
    path.write_text("\ufeffAnother 😀😀 [@nokey] x\n")
    report = Report()
    report.error("unknown-citation", "no reference has the key 'a\x00b\x1b[2J'",
                 Source(str(path), 1, 12), "first line\nsecond line")
    text = format_text(report, 1)
    assert "\x00" not in text and "\x1b" not in text and "'a␀b␛[2J'" in text
    line, caret = text.split("\n")[1:3]
    assert line.endswith("| Another 😀😀 [@nokey] x")        # no byte-order mark
    assert caret.index("^") - caret.index("|") - 2 == 13     # 8 + 2 wide x 2 + 1 cells
    assert "hint: first line\n        second line" in text


def test_verbose_build_keeps_the_json_report_whole(tmp_path):
    import subprocess
    import sys
    course = write_course(tmp_path / "c", MINIMAL)
    done = subprocess.run([sys.executable, "-m", "coursepack", "build", str(course), "-v",
                           "--format", "json", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True)
    assert done.returncode == 0
    assert json.loads(done.stderr)["summary"] == {"errors": 0, "warnings": 0}
    assert "built in" in done.stdout


def test_hints_fit_the_file_at_fault(tmp_path, cli):
    """A duplicate id's hint names what to change in that kind of file; the assessment is not
    also called unknown for it; a citation's hint says the named reference file gave nothing."""
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace(
        'version: "1.0"', 'version: "1.0"\n        references: refs.json')
    files["lessons/two.md"] = "---\ntitle: Two\nid: one\n---\nSee [@nobody].\n"
    course = write_course(tmp_path / "c", files)
    (course / "refs.json").write_text("[{")
    result = json.loads(cli("validate", course, "--format", "json").output)
    hints = {d["code"]: d["hint"] for d in result["diagnostics"]}
    assert "set a different 'id:' in the front matter" in hints["duplicate-id"]
    assert hints["unknown-citation"].startswith("the reference files named in course.yaml "
                                                "gave no entries")


def test_a_missing_percent_encoded_file_names_the_file_looked_for(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = "---\ntitle: One\n---\n![x](a%20b.png)\n"
    course = write_course(tmp_path / "c", files)
    (course / "lessons" / "a%20b.png").write_bytes(b"\x89PNG")
    [found] = json.loads(cli("validate", course, "--format", "json").output)["diagnostics"]
    assert found["message"] == "image 'a%20b.png' (the file 'a b.png') does not exist"
    assert found["hint"] == "did you mean 'a%2520b.png'?"


def test_an_empty_lesson_is_warned_about_at_a_line_the_file_has(tmp_path, cli):
    course = write_course(tmp_path / "c", MINIMAL)
    (course / "lessons" / "one.md").write_text("---\ntitle: One\n---\n")
    [found] = json.loads(cli("validate", course, "--format", "json").output)["diagnostics"]
    assert (found["code"], found["line"]) == ("empty-lesson", 3)


def test_a_link_to_a_place_the_page_lacks_is_a_warning(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = ("---\ntitle: One\n---\nSee [part](#part), [two](#lesson-two) "
                               "and [a work](#ref-west2019).\n")
    course = write_course(tmp_path / "c", files)
    found = json.loads(cli("validate", course, "--format", "json").output)["diagnostics"]
    assert [(d["code"], d["message"]) for d in found] == [
        ("anchor-missing", "the page has no place named '#part'")]


def test_a_source_file_too_large_says_by_how_much(tmp_path, cli):
    course = write_course(tmp_path / "c", MINIMAL)
    (course / "lessons" / "one.md").write_text("---\ntitle: One\n---\n" + "a" * 21_000_000)
    [found] = json.loads(cli("validate", course, "--format", "json").output)["diagnostics"]
    assert found["message"] == ("file is 21,000,019 bytes; the limit for a source file is "
                                "20,971,520 bytes (20 MB)")


def test_a_file_too_large_for_a_package_is_refused_where_it_is_named(tmp_path, cli):
    """`inspect` refuses a package entry over 2 GB, so a build may not package one."""
    files = dict(MINIMAL)
    files["lessons/one.md"] = "---\ntitle: One\nvideo:\n  src: big.webm\n---\n"
    files["lessons/two.md"] = "---\ntitle: Two\n---\n![A chart](chart.png)\n"
    course = write_course(tmp_path / "c", files)
    for name, size in (("big.webm", (2 << 30) + 1), ("chart.png", 3 << 30)):
        with open(course / "lessons" / name, "wb") as f:      # sparse: no disk space used
            f.truncate(size)
    found = json.loads(cli("validate", course, "--format", "json").output)["diagnostics"]
    assert [(d["code"], d["line"], d["message"]) for d in found] == [
        ("file-too-large", 4, "video file 'lessons/big.webm' is 2.0 GB, more than the 2 GB a "
         "package may hold in one file"),
        ("file-too-large", 4, "image 'chart.png' is 3.0 GB, more than the 2 GB a package may "
         "hold in one file")]


def test_every_code_the_tool_reports_is_documented():
    """Each diagnostic code in the source (the first argument of a report's error() or
    warning()) is described in docs/."""
    import ast
    from pathlib import Path

    from conftest import REPO
    codes = set()
    for path in (REPO / "src" / "coursepack").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("error", "warning") and node.args \
                    and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) \
                    and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", node.args[0].value):
                codes.add(node.args[0].value)
    documented = "".join(p.read_text(encoding="utf-8") for p in (REPO / "docs").glob("*.md"))
    assert len(codes) > 100
    assert sorted(c for c in codes if f"`{c}`" not in documented) == []
