"""`coursepack build`: SCORM 1.2 zips that are valid, complete, self-contained, reproducible."""

import hashlib
import io
import json
import os
import textwrap
import re
import zipfile
import zlib
from pathlib import Path

import pytest
from lxml import etree

from conftest import EXAMPLE, MINIMAL, outputs, write_course
from coursepack.xsd import validate_manifest

NS = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
      "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}


def build(cli, course, out, *extra):
    result = cli("build", course, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return sorted(Path(out).glob("*.zip"))


@pytest.fixture(scope="module")
def example_zip(tmp_path_factory):
    from click.testing import CliRunner
    from coursepack.cli import main
    out = tmp_path_factory.mktemp("build")
    result = CliRunner().invoke(main, ["build", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "leadership-in-social-care-scorm12.zip"


def test_example_builds_one_named_zip(example_zip):
    assert example_zip.is_file()
    with zipfile.ZipFile(example_zip) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
    assert "imsmanifest.xml" in names and "index.html" in names
    assert names == sorted(names)


def test_manifest_valid_against_scorm12_xsd(example_zip, scorm_schemas):
    with zipfile.ZipFile(example_zip) as zf:
        manifest = zf.read("imsmanifest.xml")
    assert validate_manifest(manifest, scorm_schemas / "scorm12", "scorm12") == []


def test_xsd_check_can_fail(example_zip, scorm_schemas):
    with zipfile.ZipFile(example_zip) as zf:
        manifest = zf.read("imsmanifest.xml")
    broken = manifest.replace(b'adlcp:scormtype="sco"', b'adlcp:scormtype="lesson"')
    problems = validate_manifest(broken, scorm_schemas / "scorm12", "scorm12")
    assert problems and "scormtype" in problems[0]


def test_manifest_lists_every_file_and_names_no_missing_schema(example_zip):
    with zipfile.ZipFile(example_zip) as zf:
        names = set(zf.namelist())
        root = etree.fromstring(zf.read("imsmanifest.xml"))
    hrefs = {f.get("href") for f in root.iterfind(".//cp:file", NS)}
    assert hrefs == names - {"imsmanifest.xml"}
    assert root.get("identifier") == "MANIFEST-leadership-in-social-care"
    [resource] = root.iterfind(".//cp:resource", NS)
    assert resource.get(f"{{{NS['adlcp']}}}scormtype") == "sco"
    assert resource.get("href") == "index.html"
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") is None


def test_nothing_refers_outside_the_package(example_zip):
    with zipfile.ZipFile(example_zip) as zf:
        for name in zf.namelist():
            if name.endswith((".html", ".js", ".css")):
                text = zf.read(name).decode()
                loads = re.findall(r'(?:src|href)\s*=\s*"([^"#][^"]*)"', text)
                loads += re.findall(r"url\(([^)]*)\)", text)
                for ref in loads:
                    if ref.startswith(("http:", "https:", "//")):
                        # only plain links in lesson text may point to the web
                        assert f'href="{ref}"' in text and "<a " in text, (name, ref)
                    else:
                        assert ref in zf.namelist() or ref.startswith("data:"), (name, ref)


def test_same_sources_same_bytes(tmp_path, cli, tiny):
    first = build(cli, tiny, tmp_path / "a")[0].read_bytes()
    (tiny / "lessons" / "one.md").touch()
    second = build(cli, tiny, tmp_path / "b")[0].read_bytes()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    with zipfile.ZipFile(tmp_path / "a" / "tiny-scorm12.zip") as zf:
        for info in zf.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644


def test_source_date_epoch_sets_entry_times(tmp_path, cli, tiny, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    [zip_path] = build(cli, tiny, tmp_path)
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.infolist()[0].date_time == (2023, 11, 14, 22, 13, 20)


@pytest.mark.parametrize("epoch, stamp", [("4354819199", (2107, 12, 31, 23, 59, 58)),
                                          ("99999999999", (2107, 12, 31, 23, 59, 58)),
                                          ("-5", (1980, 1, 1, 0, 0, 0)),
                                          ("", (1980, 1, 1, 0, 0, 0))])
def test_source_date_epoch_outside_what_a_zip_holds_is_held_to_it(
        tmp_path, cli, tiny, monkeypatch, epoch, stamp):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    [zip_path] = build(cli, tiny, tmp_path)
    with zipfile.ZipFile(zip_path) as zf:
        assert {info.date_time for info in zf.infolist()} == {stamp}
        assert zf.testzip() is None


@pytest.mark.parametrize("epoch", ["abc", "1.5", "1e9", "１２"])
def test_a_malformed_source_date_epoch_is_a_usage_error(tmp_path, cli, tiny, monkeypatch,
                                                         epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = cli("build", tiny, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH must be a whole number of seconds" in result.output
    assert not (tmp_path / "out").exists()


def test_failed_build_writes_nothing(tmp_path, cli, tiny):
    out = tmp_path / "out"
    [good] = build(cli, tiny, out)
    before = good.read_bytes()
    (tiny / "lessons" / "one.md").write_text("---\ntitel: typo\n---\n")
    result = cli("build", tiny, "--out", out)
    assert result.exit_code == 1
    assert "unknown-key" in result.output
    assert outputs(out) == ["tiny-scorm12.zip"]  # and no temporary files
    assert good.read_bytes() == before


def test_control_files_are_shipped_and_referenced(tmp_path, cli, tiny, scorm_schemas):
    [zip_path] = build(cli, tiny, tmp_path, "--control-files", scorm_schemas / "scorm12")
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        manifest = zf.read("imsmanifest.xml")
    for xsd in ("imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "imsmd_rootv1p2p1.xsd", "ims_xml.xsd"):
        assert xsd in names
    location = etree.fromstring(manifest).get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    assert location.split()[1::2] == ["imscp_rootv1p1p2.xsd", "imsmd_rootv1p2p1.xsd",
                                      "adlcp_rootv1p2.xsd"]
    assert validate_manifest(manifest, scorm_schemas / "scorm12", "scorm12") == []


def test_control_files_with_names_no_zip_entry_can_have_are_left_out(tmp_path, cli, tiny):
    controls = tmp_path / "controls"
    controls.mkdir()
    for name in (b"good.xsd", b"bad\xffbyte.xsd", b"new\nline.xsd", b"back\\slash.xsd",
                 b".#locked.xsd", b"old.xsd~"):
        (controls / os.fsdecode(name)).write_bytes(b"<xs:schema/>")
    [zip_path] = build(cli, tiny, tmp_path / "out", "--control-files", controls)
    with zipfile.ZipFile(zip_path) as zf:
        assert [n for n in zf.namelist() if n.endswith(".xsd")] == ["good.xsd"]


def test_control_files_in_hidden_folders_ship_and_version_control_ones_do_not(
        tmp_path, cli, tiny, scorm_schemas):
    """What a control folder ships is what the build's digest covers: a hidden folder's
    schema ships (and an edit to it is built again), a version-control folder's does not."""
    import shutil
    controls = tmp_path / "controls"
    shutil.copytree(scorm_schemas / "scorm12", controls)
    (controls / ".extra").mkdir()
    (controls / ".extra" / "more.xsd").write_text("<xs:schema/>")
    (controls / ".git").mkdir()
    (controls / ".git" / "kept.xsd").write_text("<xs:schema/>")
    out = tmp_path / "out"
    [zip_path] = build(cli, tiny, out, "--control-files", controls)
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.read(".extra/more.xsd") == b"<xs:schema/>"
        assert not [n for n in zf.namelist() if n.startswith(".git")]
    (controls / ".extra" / "more.xsd").write_text("<xs:schema></xs:schema>")
    result = cli("build", tiny, "--out", out, "--control-files", controls)
    assert result.exit_code == 0 and "(unchanged)" not in result.output
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.read(".extra/more.xsd") == b"<xs:schema></xs:schema>"


def test_course_templates_override_defaults(tmp_path, cli):
    files = dict(MINIMAL)
    files["templates/lesson.html"] = """
        {% extends "default/lesson.html" %}
        """
    files["templates/toc.html"] = """
        <nav class="cp-toc" aria-label="Custom contents"><p>Custom table of contents</p></nav>
        """
    course = write_course(tmp_path / "c", files)
    [zip_path] = build(cli, course, tmp_path / "out")
    with zipfile.ZipFile(zip_path) as zf:
        page = zf.read("index.html").decode()
    assert "Custom table of contents" in page
    assert "<h1" in page and "First lesson" in page


def test_template_error_is_a_diagnostic(tmp_path, cli):
    files = dict(MINIMAL)
    files["templates/lesson.html"] = "{{ lesson.no_such_field }}\n"
    course = write_course(tmp_path / "c", files)
    result = cli("build", course, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "template-error" in result.output and "lesson.html:1" in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("name, text, message", [
    ("lesson.html", '{{ 1 + "a" }}', "TypeError: unsupported operand"),
    ("lesson.html", "{{ lesson.title() }}", "TypeError: 'str' object is not callable"),
    ("lesson.html", '{% include "lesson.html" %}', "a template includes or extends itself"),
    ("page.html", '{% extends "default/page.html" %}{% block title %}{{ 1/0 }}{% endblock %}',
     "ZeroDivisionError: division by zero"),
    ("page.html", '{% extends "page.html" %}', "a template includes or extends itself")])
@pytest.mark.parametrize("command", ["build", "validate"])
def test_any_failure_of_a_course_template_is_a_diagnostic(tmp_path, cli, name, text, message,
                                                          command):
    files = dict(MINIMAL)
    files[f"templates/{name}"] = text + "\n"
    course = write_course(tmp_path / "c", files)
    args = ["--out", tmp_path / "out"] if command == "build" else []
    result = cli(command, course, *args, "--format", "json")
    assert result.exit_code == 1
    [diagnostic] = json.loads(result.output)["diagnostics"]
    assert diagnostic["code"] == "template-error" and message in diagnostic["message"]
    assert diagnostic["file"].endswith(f"templates/{name}") and diagnostic["line"] == 1
    assert not (tmp_path / "out").exists() or outputs(tmp_path / "out") == []


def test_lesson_text_is_escaped_and_links_rewritten(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = """
        ---
        title: "<script>alert(1)</script>"
        ---
        Raw <b onclick="x()">html</b> and [a bad link](javascript:alert(1)).
        """
    course = write_course(tmp_path / "c", files)
    result = cli("build", course, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "unsafe-link" in result.output
    files["lessons/one.md"] = files["lessons/one.md"].replace("javascript:alert(1)", "two.md")
    course = write_course(tmp_path / "c", files)
    [zip_path] = build(cli, course, tmp_path / "out")
    page = zipfile.ZipFile(zip_path).read("index.html").decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b onclick" not in page
    assert 'href="#lesson-two"' in page


def test_images_are_packaged(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = "---\ntitle: One\n---\n![A diagram](../images/d.png)\n"
    course = write_course(tmp_path / "c", files)
    (course / "images").mkdir()
    (course / "images" / "d.png").write_bytes(b"\x89PNG fake")
    [zip_path] = build(cli, course, tmp_path / "out")
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.read("assets/images/d.png") == b"\x89PNG fake"
        assert 'src="assets/images/d.png"' in zf.read("index.html").decode()


def test_validate_finds_template_errors_too(tmp_path, cli):
    files = dict(MINIMAL)
    files["templates/toc.html"] = "{% for x in %}\n"
    course = write_course(tmp_path / "c", files)
    result = cli("validate", course)
    assert result.exit_code == 1
    assert "templates/toc.html:1:1: error[template-error]" in result.output


def test_unwritable_output_is_a_diagnostic(tmp_path, cli, tiny):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli("build", tiny, "--out", blocker / "out")
    assert result.exit_code == 1
    assert "error[output-unwritable]" in result.output


def test_odd_asset_names_cannot_collide(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = "---\ntitle: One\n---\n![a](../img/a%20b.png) ![b](../img/a_b.png)\n"
    course = write_course(tmp_path / "c", files)
    (course / "img").mkdir()
    (course / "img" / "a b.png").write_bytes(b"space")
    (course / "img" / "a_b.png").write_bytes(b"underscore")
    [zip_path] = build(cli, course, tmp_path / "out")
    with zipfile.ZipFile(zip_path) as zf:
        assets = sorted(n for n in zf.namelist() if n.startswith("assets/"))
        assert len(assets) == 2 and "assets/img/a_b.png" in assets
        assert {zf.read(n) for n in assets} == {b"space", b"underscore"}


def test_an_image_must_be_an_image_file(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = ("---\ntitle: One\n---\n![page](p.html) ![source](../course.yaml) "
                               "![ok](d.PNG)\n")
    course = write_course(tmp_path / "c", files)
    (course / "lessons" / "p.html").write_text("<script src='https://cdn.example/x.js'></script>")
    (course / "lessons" / "d.PNG").write_bytes(b"\x89PNG")
    result = cli("validate", course, "--format", "json")
    found = [(d["code"], d["message"]) for d in json.loads(result.output)["diagnostics"]]
    assert found == [("not-an-image", "'p.html' is not an image file"),
                     ("not-an-image", "'../course.yaml' is not an image file")]


def test_no_file_takes_the_name_another_was_given(tmp_path, cli):
    """A file named as a renamed one would be ('a_b-<hash>.png'), and names that differ only
    in capitals (which a Windows or macOS server does not tell apart), keep apart."""
    renamed = f"a_b-{hashlib.sha256(b'img/a b.png').hexdigest()[:8]}.png"
    files = dict(MINIMAL)
    files["lessons/one.md"] = ("---\ntitle: One\n---\n![a](<../img/a b.png>) "
                               f"![b](../img/{renamed}) ![c](../img/X.png) ![d](../img/x.png)\n")
    course = write_course(tmp_path / "c", files)
    (course / "img").mkdir()
    contents = {"a b.png": b"space", renamed: b"look-alike", "X.png": b"capital",
                "x.png": b"small"}
    for name, data in contents.items():
        (course / "img" / name).write_bytes(data)
    [zip_path] = build(cli, course, tmp_path / "out")
    with zipfile.ZipFile(zip_path) as zf:
        assets = [n for n in zf.namelist() if n.startswith("assets/")]
        assert sorted(zf.read(n) for n in assets) == sorted(contents.values())
        assert len({n.lower() for n in assets}) == 4
        page = zf.read("index.html").decode()
    assert all(f'src="{name}"' in page for name in assets)


def built_lesson_one(tmp_path, cli, files: dict) -> tuple:
    """Build the course; the command's result and the HTML of its first lesson's section."""
    course = write_course(tmp_path / "c", files)
    result = cli("build", course, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    page = zipfile.ZipFile(tmp_path / "out" / "tiny-scorm12.zip").read("index.html").decode()
    return result, page[page.index('id="lesson-one"'):page.index('id="lesson-two"')]


def test_raw_html_is_filtered_by_an_allow_list(tmp_path, cli):
    files = dict(MINIMAL)
    files["lessons/one.md"] = (
        "---\ntitle: One\n---\n"
        "Press <kbd>Ctrl</kbd> and <b onmouseover=\"steal()\">this</b>.\n\n"
        "<details><summary>More</summary>\n\n<script>alert(1)</script>\n\n</details>\n\n"
        "<a href=\"javascript:alert(1)\">x</a> <img src=\"https://tracker.example/p.png\">\n")
    result, body = built_lesson_one(tmp_path, cli, files)
    warnings = [line for line in result.output.splitlines() if "warning[raw-html-removed]" in line]
    assert len(warnings) == 4   # onmouseover, <script>, javascript:, <img>
    assert "lessons/one.md:4:" in warnings[0]
    assert "<kbd>Ctrl</kbd>" in body and "<details><summary>More</summary>" in body
    for gone in ("onmouseover", "<script>alert", "javascript:", "tracker.example"):
        assert gone not in body


def test_raw_html_addresses_are_removed_as_reported(tmp_path, cli):
    """An unsafe cite goes like an unsafe href; a raw link to a file or to a host without a
    scheme goes too (the package has no such file; Markdown links are the checked way)."""
    files = dict(MINIMAL)
    files["lessons/one.md"] = (
        "---\ntitle: One\n---\n"
        '<q cite="javascript:alert(1)">a</q> <blockquote cite="vbscript:x">b</blockquote>\n\n'
        '<a href="notes.pdf">c</a> <a href="//elsewhere.example/x">d</a> '
        '<a href="#lesson-two">e</a> <a href="https://example.org/">f</a>\n')
    result, body = built_lesson_one(tmp_path, cli, files)
    assert result.output.count("warning[raw-html-removed]") == 4
    assert "the address 'notes.pdf' in <a href> names no web page and is removed" in result.output
    for gone in ("javascript:", "vbscript:", "notes.pdf", "elsewhere.example"):
        assert gone not in body
    assert 'href="#lesson-two"' in body and 'href="https://example.org/"' in body


NEW_TAB = '<span class="cp-sr"%s> (opens in a new tab)</span></a>'


@pytest.mark.parametrize("raw_html", [False, True])
def test_web_pages_open_in_a_new_tab_and_code_blocks_take_the_focus(tmp_path, cli, raw_html):
    """A web page followed in the course's frame would end the LMS session: links to web
    pages open a new tab and say so; a code block that scrolls can be reached by keyboard.
    The same with raw HTML in the lesson (its allow-list keeps these attributes only, and its
    links to web pages get them too)."""
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace("language: en", "language: fr")
    files["lessons/one.md"] = (
        "---\ntitle: One\n---\nSee [the site](https://example.org/a), <https://example.org/b>,"
        " [mail](mailto:a@example.org) and [two](two.md).\n\n```\ncode\n```\n\n    indented\n"
        + ('\n<a href="https://example.org/c" target="_top">c</a> <pre tabindex="5">p</pre>\n'
           if raw_html else ""))
    result, body = built_lesson_one(tmp_path, cli, files)
    note = NEW_TAB % ' lang="en"'
    assert f'<a href="https://example.org/a" rel="noopener" target="_blank">the site{note}' \
        in body
    assert f'target="_blank">https://example.org/b{note}' in body
    assert '<a href="mailto:a@example.org" rel="noopener">mail</a>' in body
    assert '<a href="#lesson-two">two</a>' in body
    assert body.count('<pre tabindex="0">') == 2
    if raw_html:
        assert (f'<a href="https://example.org/c" rel="noopener" target="_blank">c{note}'
                in body) and "<pre>p</pre>" in body
        assert result.output.count("warning[raw-html-removed]") == 2
        assert 'only target="_blank" is kept' in result.output


def test_a_blank_in_a_prompt_is_read_as_blank(tmp_path, cli):
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace("language: en", "language: de")
    files["lessons/one.md"] = ("---\ntitle: One\nquiz:\n  questions:\n    - {id: a, type: "
                               "fill-in, prompt: 'Hand ____ and [a_b](https://example.org/x___y)"
                               "', answers: [rub]}\n---\n")
    _, body = built_lesson_one(tmp_path, cli, files)
    assert ('Hand <span aria-hidden="true">____</span><span class="cp-sr" lang="en">blank'
            '</span> and <a href="https://example.org/x___y"') in body
    data = zipfile.ZipFile(tmp_path / "out" / "tiny-scorm12.zip").read("index.html").decode()
    assert "\"text\":\"Hand ____ and a_b\"" in data       # what the LMS is told


def test_allow_raw_html_passes_html_through_with_a_warning(tmp_path, cli):
    files = dict(MINIMAL)
    files["course.yaml"] = textwrap.dedent(MINIMAL["course.yaml"]) + "allow_raw_html: true\n"
    files["lessons/one.md"] = "---\ntitle: One\n---\n<span style=\"color: red\">red</span>\n"
    course = write_course(tmp_path / "c", files)
    result = cli("build", course, "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert "course.yaml:11:1: warning[raw-html-allowed]" in result.output
    page = zipfile.ZipFile(tmp_path / "out" / "tiny-scorm12.zip").read("index.html").decode()
    assert '<span style="color: red">red</span>' in page


def _files_strategy():
    from hypothesis import strategies as st
    names = st.tuples(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
        st.sampled_from(["", ".html", ".mp4", ".PNG", ".webm/x", ".woff2"])).map("".join)
    data = st.one_of(st.binary(max_size=3000),
                     st.text(max_size=3000).map(lambda t: (t * 20).encode("utf-8")))
    return st.dictionaries(names, data, max_size=12)


def test_zips_are_laid_out_as_zipfile_lays_them_out(tmp_path, monkeypatch):
    """zip_bytes writes the zip itself (to take streams deflated beforehand); every byte is
    the one Python's zipfile writes for the same files, names in UTF-8 and empty files
    included, whether the files come whole, deflated in pieces beforehand, or copied from
    disk a piece at a time (ondisk.OnDisk), by our writer or by zipfile's (ZIP64) path.
    Video, images and fonts are stored, not deflated."""
    from hypothesis import given, settings

    from coursepack import ondisk
    from coursepack.package.archive import COMPRESSED_TYPES, _zipfile_bytes, zip_bytes
    from coursepack.package.deflater import Deflated, Deflater
    monkeypatch.setattr(ondisk, "CHUNK", 1000)      # several pieces per file

    def on_disk(files):
        out = {}
        for i, (name, data) in enumerate(files.items()):
            path = tmp_path / f"{i}.bin"
            path.write_bytes(data)
            out[name] = ondisk.OnDisk(path, len(data))
        return out

    @settings(max_examples=150, deadline=None)
    @given(_files_strategy())
    def check(files):
        expected = _zipfile_bytes(files)
        assert zip_bytes(files) == expected
        assert zip_bytes(on_disk(files)) == expected
        assert _zipfile_bytes(on_disk(files)) == expected
        deflater = Deflater()
        for name, data in files.items():
            third = len(data) // 3
            deflater.feed(name, data[:third], last=False)
            deflater.feed(name, data[third:])
        deflated = dict(files)
        deflater.finish(deflated)
        assert all(isinstance(data, Deflated) for data in deflated.values())
        assert zip_bytes(deflated) == expected
        with zipfile.ZipFile(io.BytesIO(expected)) as zf:
            assert {name: zf.read(name) for name in zf.namelist()} == files
            for info in zf.infolist():          # video, images, fonts: stored as they are
                stored = info.filename.lower().endswith(tuple(COMPRESSED_TYPES))
                assert info.compress_type == (zipfile.ZIP_STORED if stored
                                              else zipfile.ZIP_DEFLATED)
    check()


def test_large_files_deflate_in_blocks_to_the_same_bytes_every_way(tmp_path, monkeypatch):
    """A file larger than a block is deflated block by block (deflater.BLOCK, each primed
    with the input before it): whole or in pieces, on one thread or three, in memory or
    copied from disk, the zip has the same bytes and reads back as the files. A file of one
    block is zlib's own single stream."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from coursepack import ondisk
    from coursepack.package import deflater
    from coursepack.package.archive import zip_bytes
    monkeypatch.setattr(deflater, "BLOCK", 1000)
    monkeypatch.setattr(deflater, "WINDOW", 400)
    monkeypatch.setattr(ondisk, "CHUNK", 700)

    @settings(max_examples=100, deadline=None)
    @given(_files_strategy(), st.lists(st.integers(1, 2500), min_size=1, max_size=8),
           st.integers(1, 3))
    def check(files, cuts, threads):
        expected = zip_bytes(files)
        on_disk = {}
        for i, (name, data) in enumerate(files.items()):
            (tmp_path / f"{i}.bin").write_bytes(data)
            on_disk[name] = ondisk.OnDisk(tmp_path / f"{i}.bin", len(data))
        assert zip_bytes(on_disk) == expected
        fed = deflater.Deflater(threads)
        for name, data in files.items():
            at = 0
            for cut in cuts:
                fed.feed(name, data[at:at + cut], last=False)
                at += cut
            fed.feed(name, data[at:])
        deflated = dict(files)
        fed.finish(deflated)
        assert all(isinstance(data, deflater.Deflated) for data in deflated.values())
        assert zip_bytes(deflated) == expected
        with zipfile.ZipFile(io.BytesIO(expected)) as zf:
            assert {name: zf.read(name) for name in zf.namelist()} == files
        for data in files.values():
            single = zlib.compressobj(deflater.LEVEL, zlib.DEFLATED, -15)
            whole = single.compress(data) + single.flush()
            if len(data) <= 1000:
                assert deflater.deflate(data) == whole
            assert zlib.decompress(deflater.deflate(data), -15) == data
    check()


def test_a_page_deflated_while_written_gives_the_same_zip(tmp_path):
    from coursepack.diagnostics import Report
    from coursepack.package.archive import _zipfile_bytes, write_zip, zip_bytes
    from coursepack.ondisk import OnDisk
    from coursepack.package.deflater import Deflated, Deflater
    from coursepack.pipeline import check, package
    report = Report()
    checked = check(EXAMPLE, report)
    files = package(checked, "scorm12", report, deflate=True)
    assert isinstance(files["index.html"], Deflated)            # deflated as it was written
    assert isinstance(files["assets/media/what-is-leadership.webm"], OnDisk)   # no cache
    assert zip_bytes(files) == _zipfile_bytes(
        {n: d.read() if isinstance(d, OnDisk) else bytes(d) for n, d in files.items()})
    write_zip(tmp_path / "package.zip", files)                  # straight into its file
    assert (tmp_path / "package.zip").read_bytes() == zip_bytes(files)
    # bytes that changed after they were fed are deflated again, not taken from the thread
    deflater = Deflater()
    deflater.feed("page.html", b"first")
    changed = {"page.html": b"second"}
    deflater.finish(changed)
    assert not isinstance(changed["page.html"], Deflated)


def test_a_second_thread_deflates_only_where_a_second_core_may_be_used(tmp_path, cli,
                                                                      monkeypatch):
    """-j 1 keeps a build on one core: no deflating thread beside the render."""
    from coursepack.package import deflater
    started = []
    real_init = deflater.Deflater.__init__

    def counting_init(self, threads=1):
        started.append(threads)
        real_init(self, threads)
    monkeypatch.setattr(deflater.Deflater, "__init__", counting_init)
    one = build(cli, EXAMPLE, tmp_path / "one", "-j", "1", "--no-cache")
    assert started == []
    two = build(cli, EXAMPLE, tmp_path / "two", "-j", "2", "--no-cache")
    assert started == [2]
    assert [p.read_bytes() for p in one] == [p.read_bytes() for p in two]


def test_long_videos_and_many_photos_go_into_packages_from_disk_not_memory(
        tmp_path, cli, monkeypatch):
    """A course file larger than a megabyte, and any file beyond what the build keeps of a
    course (cache.KEEP_TOTAL), is copied into the zip, and into the web target's folder, a
    piece at a time: the build's own memory stays far below the size of the course's media,
    and the packages hold their exact bytes."""
    import os
    import shutil
    import tracemalloc

    from coursepack import cache
    monkeypatch.setattr(cache, "KEEP_TOTAL", 2 << 20)
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    video = next((course / "media").glob("*.webm"))
    data = os.urandom(40 << 20)
    video.write_bytes(data)
    photos = {f"images/photo{i:02}.jpg": os.urandom(600_000) for i in range(30)}
    (course / "images").mkdir()
    lesson = next((course / "lessons").glob("*.md"))
    text = lesson.read_text(encoding="utf-8")
    for name, photo in photos.items():
        (course / name).write_bytes(photo)
        text += f"\n\n![A photograph](../{name})\n"
    lesson.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    tracemalloc.start()
    try:
        result = cli("build", course, "--out", out, "--target", "scorm12", "--target", "web",
                     "-j", "1")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert peak < 16 << 20, f"{peak / 2**20:.1f} MB traced"       # the photos: 18 MB
    expected = {f"assets/media/{video.name}": data,
                **{f"assets/{name}": photo for name, photo in photos.items()}}
    for target in ("scorm12", "web"):
        with zipfile.ZipFile(out / f"leadership-in-social-care-{target}.zip") as zf:
            for name, content in expected.items():
                assert zf.getinfo(name).compress_type == zipfile.ZIP_STORED
                assert zf.read(name) == content
    for name, content in expected.items():
        assert (out / "leadership-in-social-care-web" / name).read_bytes() == content


def test_the_preview_serves_a_long_video_from_disk_with_byte_ranges(tmp_path):
    import os
    import shutil
    import threading
    import urllib.error
    import urllib.request

    from coursepack.ondisk import OnDisk
    from coursepack.preview import PreviewServer, Previewer, make_handler
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    video = next((course / "media").glob("*.webm"))
    data = os.urandom(3 << 20)
    video.write_bytes(data)
    previewer = Previewer(course, echo=lambda text: None)
    name = f"assets/media/{video.name}"
    assert previewer.rebuild().ok and isinstance(previewer.state.files[name], OnDisk)
    server = PreviewServer(("127.0.0.1", 0), make_handler(previewer))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{name}"
    try:
        with urllib.request.urlopen(url) as whole:
            assert whole.status == 200 and whole.read() == data
        start = (1 << 20) - 5                           # across a piece read from disk
        asked = urllib.request.Request(url, headers={"Range": f"bytes={start}-{start + 9}"})
        with urllib.request.urlopen(asked) as part:
            assert part.status == 206
            assert part.headers["Content-Range"] == f"bytes {start}-{start + 9}/{len(data)}"
            assert part.headers["Content-Length"] == "10"
            assert part.read() == data[start:start + 10]
        tail = urllib.request.Request(url, headers={"Range": "bytes=-7"})
        with urllib.request.urlopen(tail) as part:
            assert part.read() == data[-7:]
        past = urllib.request.Request(url, headers={"Range": f"bytes={len(data)}-"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(past)
        assert refused.value.code == 416
        assert refused.value.headers["Content-Range"] == f"bytes */{len(data)}"
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD")) as head:
            assert head.status == 200 and head.headers["Content-Length"] == str(len(data))
            assert head.read() == b""
        elsewhere = urllib.request.Request(url, headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as forbidden:     # a name that resolves here
            urllib.request.urlopen(elsewhere)
        assert forbidden.value.code == 403
        video.unlink()                    # gone, and the course no longer builds
        assert not previewer.rebuild().ok and name in previewer.state.files
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(url)
        assert gone.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
