"""SCORM 2004 4th Edition, plain web and multi-SCO packages from the same sources."""

import re
import shutil
import textwrap
import zipfile
from urllib.parse import unquote

import pytest
from lxml import etree

from conftest import EXAMPLE, MINIMAL, outputs, write_course
from coursepack.xsd import validate_manifest

CP12 = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
CP2004 = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
SS = "{http://www.imsglobal.org/xsd/imsss}"


@pytest.fixture(scope="module")
def all_targets(tmp_path_factory):
    from click.testing import CliRunner
    from coursepack.cli import main
    out = tmp_path_factory.mktemp("build")
    args = ["build", str(EXAMPLE), "--out", str(out)]
    for target in ("scorm12", "scorm2004", "web"):
        args += ["--target", target]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out


def manifest_of(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        return zf.read("imsmanifest.xml"), set(zf.namelist())


def test_one_command_builds_every_target(all_targets):
    names = outputs(all_targets)
    assert names == ["leadership-in-social-care-scorm12.zip",
                     "leadership-in-social-care-scorm2004.zip",
                     "leadership-in-social-care-web", "leadership-in-social-care-web.zip"]


@pytest.mark.parametrize("target, version, folder", [("scorm12", "scorm12", "scorm12"),
                                                     ("scorm2004", "scorm2004", "scorm2004-4th")])
def test_manifests_valid_and_every_href_exists(all_targets, scorm_schemas, target, version, folder):
    manifest, names = manifest_of(all_targets / f"leadership-in-social-care-{target}.zip")
    assert validate_manifest(manifest, scorm_schemas / folder, version) == []
    root = etree.fromstring(manifest)
    hrefs = [el.get("href") for el in root.iter() if el.get("href")]
    assert hrefs and all(unquote(h) in names for h in hrefs)


def test_scorm2004_manifest_shape(all_targets):
    manifest, _ = manifest_of(all_targets / "leadership-in-social-care-scorm2004.zip")
    root = etree.fromstring(manifest)
    assert root.findtext(f"{CP2004}metadata/{CP2004}schemaversion") == "2004 4th Edition"
    control = root.find(f".//{CP2004}organization/{SS}sequencing/{SS}controlMode")
    assert control.get("choice") == "true" and control.get("flow") == "true"
    [resource] = root.iter(f"{CP2004}resource")
    assert resource.get("{http://www.adlnet.org/xsd/adlcp_v1p3}scormType") == "sco"
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") is None


def test_web_target_is_a_plain_site(all_targets):
    folder = all_targets / "leadership-in-social-care-web"
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(all_targets / "leadership-in-social-care-web.zip") as zf:
        assert sorted(zf.namelist()) == files
    assert "imsmanifest.xml" not in files and "index.html" in files
    assert '"standard":"web"' in (folder / "index.html").read_text()


def test_course_yaml_sets_default_targets(tmp_path, cli):
    files = dict(MINIMAL)
    files["course.yaml"] = textwrap.dedent(MINIMAL["course.yaml"]) + "targets: [scorm2004, web]\n"
    course = write_course(tmp_path / "c", files)
    result = cli("build", course, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert outputs(tmp_path / "out") == [
        "tiny-scorm2004.zip", "tiny-web", "tiny-web.zip"]


TWO_MODULES = dict(MINIMAL)
TWO_MODULES["lessons/two.md"] = "---\ntitle: Second lesson\n---\nThe second module.\n"
TWO_MODULES["course.yaml"] = """
    id: multi
    title: Two modules
    language: en
    version: "2.0"
    sco: per-module
    modules:
      - id: first
        title: First module
        lessons: [lessons/one.md]
      - id: second
        title: Second module
        lessons: [lessons/two.md]
    """


@pytest.mark.parametrize("target, folder, version", [("scorm12", "scorm12", "scorm12"),
                                                     ("scorm2004", "scorm2004-4th", "scorm2004")])
def test_per_module_scos(tmp_path, cli, scorm_schemas, target, folder, version):
    course = write_course(tmp_path / "c", TWO_MODULES)
    result = cli("build", course, "--out", tmp_path / "out", "--target", target)
    assert result.exit_code == 0, result.output
    manifest, names = manifest_of(tmp_path / "out" / f"multi-{target}.zip")
    assert validate_manifest(manifest, scorm_schemas / folder, version) == []
    root = etree.fromstring(manifest)
    cp = CP12 if target == "scorm12" else CP2004
    items = [(i.get("identifier"), i.findtext(f"{cp}title")) for i in root.iter(f"{cp}item")]
    assert items == [("ITEM-multi-first", "First module"), ("ITEM-multi-second", "Second module")]
    launches = sorted(r.get("href") for r in root.iter(f"{cp}resource") if r.get("href"))
    assert launches == ["first.html", "second.html"]
    with zipfile.ZipFile(tmp_path / "out" / f"multi-{target}.zip") as zf:
        first = zf.read("first.html").decode()
    assert "First lesson" in first and "Second lesson" not in first
    assert '"sco":"multi-first"' in first


def test_per_module_links_across_modules_are_errors(tmp_path, cli):
    files = dict(TWO_MODULES)
    files["lessons/one.md"] = "---\ntitle: First lesson\n---\nSee [the next](two.md).\n"
    course = write_course(tmp_path / "c", files)
    result = cli("validate", course)
    assert result.exit_code == 1
    assert "lessons/one.md:4:16: error[link-across-scos]" in result.output


def test_control_files_per_standard(tmp_path, cli, scorm_schemas):
    course = write_course(tmp_path / "c", MINIMAL)
    result = cli("build", course, "--out", tmp_path / "out", "--target", "scorm12",
                 "--target", "scorm2004", "--control-files", scorm_schemas)
    assert result.exit_code == 0, result.output
    for target, folder, version, root in (("scorm12", "scorm12", "scorm12", "imscp_rootv1p1p2.xsd"),
                                          ("scorm2004", "scorm2004-4th", "scorm2004", "imscp_v1p1.xsd")):
        manifest, names = manifest_of(tmp_path / "out" / f"tiny-{target}.zip")
        assert root in names
        assert ("imscp_v1p1.xsd" in names) == (target == "scorm2004")
        assert validate_manifest(manifest, scorm_schemas / folder, version) == []
        location = etree.fromstring(manifest).get(
            "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
        assert all(name in names for name in location.split()[1::2])


@pytest.mark.parametrize("in_the_way", ["file", "link to a folder", "broken link"])
def test_web_folder_replaces_a_file_or_link_in_its_place_and_leaves_nothing_else(
        tmp_path, cli, in_the_way):
    course = write_course(tmp_path / "c", MINIMAL)
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not the build's")
    site = out / "tiny-web"
    if in_the_way == "file":
        site.write_text("old")
    else:
        site.symlink_to(elsewhere if in_the_way == "link to a folder" else tmp_path / "gone")
    result = cli("build", course, "--out", out, "--target", "web")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [".cache", "tiny-web", "tiny-web.zip"]
    assert site.is_dir() and not site.is_symlink() and (site / "index.html").is_file()
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]


def test_a_target_that_cannot_be_written_does_not_stop_the_others(tmp_path, cli):
    course = write_course(tmp_path / "c", MINIMAL)
    out = tmp_path / "out"
    (out / "tiny-scorm2004.zip" / "sub").mkdir(parents=True)     # in the way
    args = ["build", course, "--out", out]
    for target in ("scorm12", "scorm2004", "web"):
        args += ["--target", target]
    result = cli(*args)
    assert result.exit_code == 1
    assert "error[output-unwritable]: cannot write" in result.output
    assert (out / "tiny-scorm12.zip").is_file() and (out / "tiny-web.zip").is_file()
    assert (out / "tiny-scorm2004.zip").is_dir()
    shutil.rmtree(out / "tiny-scorm2004.zip")
    assert cli(*args).exit_code == 0 and (out / "tiny-scorm2004.zip").is_file()


def test_a_web_folder_that_cannot_be_written_is_named_in_the_error(tmp_path, cli,
                                                                    monkeypatch):
    import errno
    from coursepack.package import archive

    def full(path, entries):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(archive, "write_folder", full)
    course = write_course(tmp_path / "c", MINIMAL)
    result = cli("build", course, "--out", tmp_path / "out", "--target", "web")
    assert result.exit_code == 1
    assert f"cannot write {tmp_path / 'out' / 'tiny-web'}/: No space left on device" \
        in result.output


def test_a_template_that_fails_for_one_target_leaves_every_package_as_it_was(tmp_path,
                                                                              cli):
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace(
        'version: "1.0"', 'version: "1.0"\n        targets: [scorm12, scorm2004]')
    course = write_course(tmp_path / "c", files)
    out = tmp_path / "out"
    assert cli("build", course, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.glob("*.zip")}
    (course / "templates").mkdir()
    (course / "templates" / "page.html").write_text(
        '{% extends "default/page.html" %}{% block title %}{% if \'"scorm2004"\' in data %}'
        "{{ no_such_name }}{% endif %}{{ super() }}{% endblock %}")
    lesson = course / "lessons" / "one.md"
    lesson.write_text(lesson.read_text() + "\nNewer text.\n")
    for command in ("validate", "build"):
        result = cli(command, course, "--out", out) if command == "build" else \
            cli(command, course)
        assert result.exit_code == 1 and "error[template-error]" in result.output, command
    assert {p.name: p.read_bytes() for p in out.glob("*.zip")} == before


def test_a_target_named_twice_is_built_once(tmp_path, cli):
    course = write_course(tmp_path / "c", MINIMAL)
    result = cli("build", course, "--out", tmp_path / "out", "--target", "scorm12",
                 "--target", "scorm12")
    assert result.exit_code == 0
    assert result.output.count("built ") == 1 and re.search(r"\(\d+\.\d KB\)", result.output)


@pytest.mark.parametrize("language, direction", [("he-IL", "rtl"), ("ar", "rtl"),
                                                 ("ku-Arab", "rtl"), ("en-GB", "ltr"),
                                                 ("az-Latn", "ltr")])
def test_pages_carry_the_direction_of_the_course_language(tmp_path, cli, language, direction):
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace("language: en",
                                                          f"language: {language}")
    course = write_course(tmp_path / "c", files)
    result = cli("build", course, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    page = zipfile.ZipFile(tmp_path / "out" / "tiny-scorm12.zip").read("index.html").decode()
    assert f'<html lang="{language}" dir="{direction}">' in page


def test_solution_lines_mark_the_interface_english_apart(tmp_path, cli):
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace("language: en", "language: fr")
    files["lessons/two.md"] = """
        ---
        title: Vérifier
        quiz:
          questions:
            - id: capitale
              type: fill-in
              prompt: La capitale de la France ?
              answers: [Paris]
        ---
        """
    course = write_course(tmp_path / "c", files)
    assert cli("build", course, "--out", tmp_path / "out").exit_code == 0
    page = zipfile.ZipFile(tmp_path / "out" / "tiny-scorm12.zip").read("index.html").decode()
    assert ('<p class="cp-solution" hidden><span lang="en">Accepted answer: </span>'
            '<span lang="fr">“Paris”.</span></p>') in page
