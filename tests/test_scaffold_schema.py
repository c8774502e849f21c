"""`coursepack new` and `coursepack schema`: a course that works at once, and editor schemas
derived from the loader's own tables."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import EXAMPLE, MINIMAL, write_course
from coursepack.jsonschema_export import json_schemas
from coursepack.load.lesson import split_front_matter
from coursepack.diagnostics import Report, Source
from test_validate import PLANTED


def test_new_then_validate_then_build(tmp_path, cli):
    folder = tmp_path / "first-course"
    result = cli("new", folder, "--title", "A “quoted”: title", "--language", "en-GB")
    assert result.exit_code == 0, result.output
    assert (folder / ".coursepack" / "schemas" / "course.schema.json").is_file()
    assert (folder / "course.yaml").read_text().startswith(
        "# yaml-language-server: $schema=.coursepack/schemas/course.schema.json\n")
    result = cli("validate", folder, "--strict")
    assert result.exit_code == 0, result.output
    result = cli("build", folder, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "first-course-scorm12.zip").is_file()
    course = yaml.safe_load((folder / "course.yaml").read_text())
    assert course["title"] == "A “quoted”: title" and course["language"] == "en-GB"


def test_new_refuses_a_non_empty_folder(tmp_path, cli):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = cli("new", tmp_path / "taken")
    assert result.exit_code == 2 and "not empty" in result.output
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]
    assert cli("new", tmp_path / "x", "--language", "English!").exit_code == 2


@pytest.mark.parametrize("name, course_id", [("123", "123"), ("yes", "yes"),
                                             ("2024-01-05", "2024-01-05"),
                                             ("Ça va", "ca-va")])
def test_new_course_validates_whatever_its_folder_is_called(tmp_path, cli, name, course_id):
    """The id is written quoted: YAML would read 123, yes or a date as no text at all."""
    result = cli("new", tmp_path / name)
    assert result.exit_code == 0, result.output
    assert cli("validate", tmp_path / name, "--strict").exit_code == 0
    assert yaml.safe_load((tmp_path / name / "course.yaml").read_text())["id"] == course_id


def test_new_reports_what_it_cannot_do_and_leaves_nothing(tmp_path, cli):
    (tmp_path / "afile").write_text("mine")
    cases = [(tmp_path / "afile", "afile is a file"),
             (tmp_path / "afile" / "sub", "Not a directory"),
             (tmp_path / "x" / ("b" * 300) / "y", "File name too long")]
    for folder, said in cases:
        result = cli("new", folder)
        assert result.exit_code == 2 and said in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
    for title, said in [("   ", "the title is empty"), ("a\x01b", "control character"),
                        ("t" * 300, "the limit is 200")]:
        result = cli("new", tmp_path / "c", "--title", title)
        assert result.exit_code == 2 and said in result.output
    assert not (tmp_path / "c").exists()
    result = cli("schema", "--out", tmp_path / "afile" / "schemas")
    assert result.exit_code == 2 and "cannot write" in result.output


def test_schema_command_writes_three_files(tmp_path, cli):
    result = cli("schema", "--out", tmp_path / "s")
    assert result.exit_code == 0
    names = sorted(p.name for p in (tmp_path / "s").iterdir())
    assert names == ["course.schema.json", "lesson.schema.json", "quiz.schema.json"]
    for path in (tmp_path / "s").iterdir():
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def validator(name):
    return jsonschema.Draft202012Validator(json.loads(json_schemas()[name]))


def front_matter(path: Path) -> dict:
    front, _, _ = split_front_matter(path.read_text(), Source(str(path)), Report())
    return yaml.safe_load(front)


def test_schemas_accept_the_example_course():
    assert list(validator("course.schema.json").iter_errors(
        yaml.safe_load((EXAMPLE / "course.yaml").read_text()))) == []
    for lesson in (EXAMPLE / "lessons").glob("*.md"):
        assert list(validator("lesson.schema.json").iter_errors(front_matter(lesson))) == [], lesson
    for quiz in (EXAMPLE / "quizzes").glob("*.yaml"):
        assert list(validator("quiz.schema.json").iter_errors(yaml.safe_load(quiz.read_text()))) == []


def test_schemas_reject_the_planted_mistakes(tmp_path):
    course = write_course(tmp_path / "planted", PLANTED)
    errors = list(validator("course.schema.json").iter_errors(
        yaml.safe_load((course / "course.yaml").read_text())))
    messages = " | ".join(e.message for e in errors)
    assert "'english!' does not match" in messages
    assert "'descripton' was unexpected" in messages
    errors = list(validator("lesson.schema.json").iter_errors(
        front_matter(course / "lessons" / "two.md")))
    assert [e.message for e in errors] == ["'five' is not of type 'integer'"]
    # A missing file and a repeated module id need the file system and the whole course:
    # only `coursepack validate` can find those two.


@pytest.mark.parametrize("header, size, expected", [
    ("bytes=0-99", 1000, (0, 99)), ("bytes=500-", 1000, (500, 999)), ("bytes=-100", 1000, (900, 999)),
    ("bytes=900-5000", 1000, (900, 999)), ("bytes=1000-", 1000, None), ("bytes=5-1", 1000, None),
    ("bytes=0-1,5-9", 1000, None), ("items=0-1", 1000, None), (None, 1000, None), ("bytes=x-", 10, None),
])
def test_preview_answers_byte_ranges(header, size, expected):
    from coursepack.preview import byte_range
    assert byte_range(header, size) == expected


def test_preview_takes_a_course_as_every_command_does(tmp_path, cli, monkeypatch):
    """A course folder or its course.yaml; a folder of several courses is a usage error."""
    from coursepack import preview
    served = []
    monkeypatch.setattr(preview, "serve", lambda folder, *a, **k: served.append(folder))
    course = write_course(tmp_path / "many" / "a", MINIMAL)
    write_course(tmp_path / "many" / "b", MINIMAL)
    assert cli("preview", course / "course.yaml", "--no-open").exit_code == 0
    assert cli("preview", course, "--no-open").exit_code == 0
    assert served == [course, course]
    several = cli("preview", tmp_path / "many", "--no-open")
    assert several.exit_code == 2 and "preview shows one course; name one of:" in several.output
