"""`coursepack inspect`: our own zips pass; planted faults in copies of them are reported."""

import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import EXAMPLE
from coursepack.cli import main
from coursepack.inspect import inspect_zip
from coursepack.zipcheck import Limits

TARGETS = {"scorm12": "scorm12", "scorm2004": "scorm2004-4th"}
MANIFEST = "imsmanifest.xml"


def run(*args):
    return CliRunner().invoke(main, ["inspect", *map(str, args)], catch_exceptions=False)


def build(out: Path, target: str, *extra) -> Path:
    result = CliRunner().invoke(main, ["build", str(EXAMPLE), "--target", target,
                                       "--out", str(out), *map(str, extra)])
    assert result.exit_code == 0, result.output
    return out / f"leadership-in-social-care-{target}.zip"


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """Our packages as `coursepack build` makes them (no schema files inside)."""
    out = tmp_path_factory.mktemp("good")
    return {target: build(out, target) for target in TARGETS}


@pytest.fixture(scope="module")
def shipping(tmp_path_factory, scorm_schemas):
    """Our packages with the official schema files shipped at their root."""
    out = tmp_path_factory.mktemp("shipping")
    return {target: build(out, target, "--control-files", scorm_schemas / folder)
            for target, folder in TARGETS.items()}


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Work in an empty folder, so zips are shown by their names alone."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def copy_zip(source: Path, target: Path, edit=None, drop=(), add=()) -> Path:
    """A copy of source: edit {name: function(bytes) -> bytes}, drop names, add
    (name or ZipInfo, bytes) entries."""
    edit = edit or {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename not in drop:
                data = zin.read(info)
                zout.writestr(info, edit[info.filename](data) if info.filename in edit else data)
        for entry, data in add:
            zout.writestr(entry, data)
    return target


def edit_manifest(change):
    """A manifest edit: change(root) alters the parsed manifest in place."""
    def apply(data: bytes) -> bytes:
        root = etree.fromstring(data)
        change(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return apply


def local(el) -> str:
    return etree.QName(el).localname


def first(root, name: str):
    return next(el for el in root.iter() if isinstance(el.tag, str) and local(el) == name)


def member(zip_path: Path, name: str) -> bytes:
    with zipfile.ZipFile(zip_path) as zf:
        return zf.read(name)


def line_of(zip_path: Path, name: str, text: str) -> int:
    lines = member(zip_path, name).decode().split("\n")
    return next(n for n, line in enumerate(lines, 1) if text in line)


def found(result) -> list[tuple[str, str, str, int]]:
    return [(d.severity, d.code, d.file, d.line) for d in result.report.sorted()]


# -- our own packages -----------------------------------------------------------------------

@pytest.mark.parametrize("target", TARGETS)
def test_our_zips_pass_against_the_official_schemas(good, scorm_schemas, here, target):
    zip_path = copy_zip(good[target], here / f"{target}.zip")
    result = run(zip_path, "--schemas", scorm_schemas, "--strict")
    assert result.exit_code == 0, result.output
    label = {"scorm12": "SCORM 1.2 (schemaversion 1.2)",
             "scorm2004": "SCORM 2004 (schemaversion 2004 4th Edition)"}[target]
    lines = result.output.splitlines()
    assert lines[:3] == [f"Package:  {target}.zip", f"Standard: {label}",
                         "SCOs:     1 (index.html)"]
    assert lines[3].startswith("Files:    12, ") and lines[3].endswith(" KB in total")
    assert lines[4].startswith("Largest:  index.html (")
    folder = scorm_schemas / TARGETS[target]
    assert lines[5] == f"Schemas:  manifest checked against the XSDs in {folder}"
    assert lines[-1] == "0 errors, 0 warnings in 1 package"


@pytest.mark.parametrize("target", TARGETS)
def test_our_zips_pass_against_the_schemas_they_ship(shipping, target):
    result = inspect_zip(shipping[target])
    assert found(result) == []
    assert result.package.schemas == "package"
    assert result.package.standard == target


def test_without_schemas_validation_is_skipped_with_a_warning(good, here):
    zip_path = copy_zip(good["scorm12"], here / "course.zip")
    result = run(zip_path)
    assert result.exit_code == 0
    assert result.output.splitlines()[-3:] == [
        "course.zip!/imsmanifest.xml: warning[schema-unavailable]: the manifest was not checked "
        "against the SCORM 1.2 schemas: the package has none",
        "  hint: pass a folder of the official XSDs with --schemas DIR",
        "0 errors, 1 warning in 1 package",
    ]
    assert "Schemas:  manifest not checked against the XSDs" in result.output
    assert run(zip_path, "--strict").exit_code == 1


def test_json_has_the_validate_shape_and_the_package_facts(good, scorm_schemas, here):
    zip_path = copy_zip(good["scorm2004"], here / "course.zip")
    result = run(zip_path, "--schemas", scorm_schemas, "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert sorted(doc) == ["courses", "diagnostics", "package", "summary", "version"]
    assert doc["version"] == 1 and doc["summary"] == {"errors": 0, "warnings": 0}
    package = doc["package"]
    with zipfile.ZipFile(zip_path) as zf:
        sizes = {i.filename: i.file_size for i in zf.infolist()}
    assert package == {
        "zip": "course.zip", "standard": "scorm2004", "schemaversion": "2004 4th Edition",
        "scos": [{"identifier": "ITEM-leadership-in-social-care",
                  "title": "Leadership in Social Care", "href": "index.html"}],
        "files": len(sizes), "total_bytes": sum(sizes.values()),
        "largest": {"path": "index.html", "bytes": sizes["index.html"]},
        "schemas": str(scorm_schemas / "scorm2004-4th"),
    }


# -- planted faults -------------------------------------------------------------------------

def _bogus_element(root):
    organization = first(root, "organization")
    etree.SubElement(organization, f"{{{etree.QName(root).namespace}}}bogus")


def _no_sco(root):
    for resource in root.iter():
        for name in list(resource.attrib):
            if etree.QName(name).localname.lower() == "scormtype":
                resource.set(name, "asset")


FAULTS = {
    "bad-xsd": dict(edit={MANIFEST: edit_manifest(_bogus_element)}),
    "missing-file": dict(drop={"runtime/quiz.js"}),
    "zip-slip": dict(add=[("../../evil.txt", b"gotcha")]),
    "absolute-path": dict(add=[("/tmp/evil.txt", b"gotcha")]),
    "external-script": dict(edit={"index.html": lambda data: data.replace(
        b"</head>", b'<script src="https://cdn.example.com/lib.js"></script>\n</head>', 1)}),
    "no-sco": dict(edit={MANIFEST: edit_manifest(_no_sco)}),
}


def expected(fault: str, zip_path: Path) -> list[tuple[str, str, str, int]]:
    shown, manifest = zip_path.name, f"{zip_path.name}!/{MANIFEST}"
    if fault == "bad-xsd":
        return [("error", "manifest-invalid", manifest, line_of(zip_path, MANIFEST, "bogus"))]
    if fault == "missing-file":
        line = line_of(zip_path, MANIFEST, 'href="runtime/quiz.js"')
        return [("error", "href-missing", manifest, line)]
    if fault == "zip-slip":
        return [("error", "zip-slip", f"{shown}!/../../evil.txt", 0)]
    if fault == "absolute-path":
        return [("error", "zip-absolute-path", f"{shown}!//tmp/evil.txt", 0)]
    if fault == "external-script":
        line = line_of(zip_path, "index.html", "cdn.example.com")
        return [("warning", "external-reference", f"{shown}!/index.html", line)]
    root = etree.fromstring(member(zip_path, MANIFEST))
    return [("error", "no-sco", manifest, root.sourceline)]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fault", FAULTS)
def test_each_planted_fault_is_reported(good, scorm_schemas, here, target, fault):
    zip_path = copy_zip(good[target], here / f"{fault}.zip", **FAULTS[fault])
    result = inspect_zip(zip_path, scorm_schemas)
    assert found(result) == expected(fault, zip_path)
    exit_code = run(zip_path, "--schemas", scorm_schemas).exit_code
    assert exit_code == (0 if fault == "external-script" else 1)
    assert run(zip_path, "--schemas", scorm_schemas, "--strict").exit_code == 1


@pytest.mark.parametrize("target", TARGETS)
def test_invalid_manifest_against_the_schemas_the_package_ships(shipping, here, target):
    zip_path = copy_zip(shipping[target], here / "bad.zip", **FAULTS["bad-xsd"])
    result = inspect_zip(zip_path)
    assert found(result) == expected("bad-xsd", zip_path)
    [diagnostic] = result.report.items
    assert "bogus" in diagnostic.message and "{" not in diagnostic.message
    assert diagnostic.hint == "checked against the schemas in the package"


def test_fault_report_as_text(good, scorm_schemas, here):
    zip_path = copy_zip(good["scorm12"], here / "course.zip", **FAULTS["missing-file"])
    line = line_of(zip_path, MANIFEST, 'href="runtime/quiz.js"')
    result = run(zip_path, "--schemas", scorm_schemas)
    assert result.output.splitlines()[-3:] == [
        f"course.zip!/imsmanifest.xml:{line}:1: error[href-missing]: href 'runtime/quiz.js' "
        "names a file that is not in the zip",
        "  hint: add the file, or remove it from the manifest",
        "1 error, 0 warnings in 1 package",
    ]


def test_external_script_as_text_and_github(good, scorm_schemas, here):
    zip_path = copy_zip(good["scorm12"], here / "course.zip", **FAULTS["external-script"])
    line = line_of(zip_path, "index.html", "cdn.example.com")
    result = run(zip_path, "--schemas", scorm_schemas)
    assert (f"course.zip!/index.html:{line}:1: warning[external-reference]: <script src> loads "
            "'https://cdn.example.com/lib.js' from cdn.example.com, outside the package"
            in result.output.splitlines())
    github = run(zip_path, "--schemas", scorm_schemas, "--format", "github").output.splitlines()
    assert github[0].startswith(f"::warning file=course.zip!/index.html,line={line},col=1,"
                                "title=external-reference::<script src> loads")
    assert github[-1] == "0 errors, 1 warning in 1 package"


# -- more faults ----------------------------------------------------------------------------

def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


def _duplicate_and_dangling(root):
    resource = first(root, "resource")
    resource.set("identifier", first(root, "item").get("identifier"))


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_symlink_and_duplicate_entries(good, here):
    zip_path = copy_zip(good["scorm12"], here / "odd.zip",
                        add=[(symlink("passwd.html"), b"/etc/passwd"), ("index.html", b"again")])
    assert [(c, f) for _, c, f, _ in found(inspect_zip(zip_path))
            if c != "schema-unavailable"] == [
        ("zip-duplicate-entry", "odd.zip!/index.html"), ("zip-symlink", "odd.zip!/passwd.html")]


@pytest.mark.parametrize("name, codes", [
    ("index.html", [("zip-encrypted", "sealed.zip!/index.html")]),
    ("imsmanifest.xml", [("zip-encrypted", "sealed.zip!/imsmanifest.xml")])])
def test_an_encrypted_entry_is_reported_once_not_also_as_missing(good, here, name, codes):
    sealed = bytearray(good["scorm12"].read_bytes())
    with zipfile.ZipFile(good["scorm12"]) as zf:      # the "encrypted" flag, set by hand
        info = zf.getinfo(name)
    sealed[info.header_offset + 6] |= 0x1                               # local header
    central = sealed.index(b"PK\x01\x02")
    while sealed[central + 46:central + 46 + len(name)] != name.encode():
        central = sealed.index(b"PK\x01\x02", central + 4)
    sealed[central + 8] |= 0x1                                           # central directory
    (here / "sealed.zip").write_bytes(sealed)
    assert [(c, f) for _, c, f, _ in found(inspect_zip(here / "sealed.zip"))
            if c != "schema-unavailable"] == codes


def test_duplicate_and_unresolved_identifiers(good, here):
    zip_path = copy_zip(good["scorm2004"], here / "ids.zip",
                        edit={MANIFEST: edit_manifest(_duplicate_and_dangling)})
    root = etree.fromstring(member(zip_path, MANIFEST))
    item, resource = first(root, "item"), first(root, "resource")
    result = inspect_zip(zip_path)
    messages = {(d.code, d.line): d.message for d in result.report.items}
    assert messages[("duplicate-identifier", resource.sourceline)] == (
        f"identifier 'ITEM-leadership-in-social-care' is used again "
        f"(first on line {item.sourceline})")
    assert messages[("unresolved-identifierref", item.sourceline)] == (
        "item identifierref 'RES-leadership-in-social-care' names no resource")
    assert ("no-sco", root.sourceline) in messages


def test_a_sequencing_idref_must_name_a_shared_sequencing(good, here):
    def dangling(data: bytes) -> bytes:
        return re.sub(rb"<imsss:sequencing(?=[ >])", b'<imsss:sequencing IDRef="NOSUCH"', data,
                      count=1)
    zip_path = copy_zip(good["scorm2004"], here / "idref.zip", edit={MANIFEST: dangling})
    found = [(d.code, d.message) for d in inspect_zip(zip_path).report.items if d.is_error]
    assert found == [("unresolved-identifierref", "sequencing IDRef 'NOSUCH' names no "
                      "sequencing of the sequencingCollection")]


def test_an_encoded_parent_folder_in_xml_base_leaves_the_package(good, here):
    def up(data: bytes) -> bytes:
        return re.sub(rb"<resources(?=[ >])", b'<resources xml:base="%2e%2e/"', data, count=1)
    zip_path = copy_zip(good["scorm12"], here / "base.zip", edit={MANIFEST: up})
    codes = {d.code for d in inspect_zip(zip_path).report.items if d.is_error}
    assert "href-outside" in codes and "href-missing" not in codes


def test_manifest_not_well_formed(good, here):
    zip_path = copy_zip(good["scorm12"], here / "syntax.zip",
                        edit={MANIFEST: lambda data: data.replace(b"</organizations>", b"", 1)})
    [diagnostic] = inspect_zip(zip_path).report.items
    assert (diagnostic.code, diagnostic.file) == ("manifest-syntax", "syntax.zip!/imsmanifest.xml")
    assert diagnostic.line > 1 and diagnostic.message.startswith(
        "imsmanifest.xml is not well-formed XML: ")


@pytest.mark.parametrize("declared", ['<!ENTITY e "hello">',
                                      '<!ENTITY e SYSTEM "file:///etc/passwd">'])
@pytest.mark.parametrize("shipped", [False, True])
def test_manifest_entities_are_an_error_not_a_crash(good, here, scorm_schemas, declared,
                                                    shipped):
    """An entity left unexpanded used to crash the schema check, whichever schemas."""
    def doctype(data: bytes) -> bytes:
        data = re.sub(rb"<manifest\b", f"<!DOCTYPE manifest [{declared}]>\n<manifest".encode(),
                      data, count=1)
        return re.sub(rb"<title>", b"<title>&e; ", data, count=1)
    zip_path = copy_zip(good["scorm12"], here / "entity.zip", edit={MANIFEST: doctype})
    result = inspect_zip(zip_path, None if shipped else scorm_schemas)
    [diagnostic] = result.report.items
    assert (diagnostic.code, diagnostic.severity) == ("manifest-entity", "error")
    assert "'&e;'" in diagnostic.message and diagnostic.line > 2


def test_manifest_in_a_folder_is_missing_with_a_hint(good, here):
    with zipfile.ZipFile(good["scorm12"]) as zf:
        entries = [(f"course/{i.filename}", zf.read(i)) for i in zf.infolist()]
        names = set(zf.namelist())
    zip_path = copy_zip(good["scorm12"], here / "nested.zip", drop=names, add=entries)
    [diagnostic] = inspect_zip(zip_path).report.items
    assert (diagnostic.code, diagnostic.file, diagnostic.hint) == (
        "manifest-missing", "nested.zip", "the zip has 'course/imsmanifest.xml': zip the "
        "contents of the course folder, not the folder, with imsmanifest.xml (lowercase) at "
        "the root")


def test_not_a_zip_and_a_damaged_entry(good, here):
    data = good["scorm12"].read_bytes()
    (here / "cut.zip").write_bytes(data[: len(data) // 2])
    result = run(here / "cut.zip")
    assert result.exit_code == 1
    assert "cut.zip: error[zip-corrupt]: not a readable zip file" in result.output
    damaged = bytearray(data)
    with zipfile.ZipFile(good["scorm12"]) as zf:
        info = zf.getinfo("index.html")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 100, start + 110):
        damaged[offset] ^= 0xFF
    (here / "damaged.zip").write_bytes(bytes(damaged))
    codes = [(c, f) for _, c, f, _ in found(inspect_zip(here / "damaged.zip"))]
    assert ("zip-corrupt", "damaged.zip!/index.html") in codes
    assert "href-missing" not in [c for c, _ in codes]


def test_zip_bombs_are_refused_within_limits(good, here):
    zip_path = copy_zip(good["scorm12"], here / "bomb.zip", add=[("big.bin", b"\0" * 50_000)])
    entry = inspect_zip(zip_path, limits=Limits(entry_bytes=40_000))
    assert ("error", "zip-too-large", "bomb.zip!/big.bin", 0) in found(entry)
    with zipfile.ZipFile(zip_path) as zf:
        files, size = len(zf.infolist()), sum(i.file_size for i in zf.infolist())
    total = inspect_zip(zip_path, limits=Limits(total_bytes=100_000))
    assert [d.message for d in total.report.items] == [
        f"the zip expands to {size / 1024:.1f} KB, more than 97.7 KB; its contents were not read"]
    assert total.package.files == files and total.package.total_bytes == size


def test_large_file_is_a_warning(good, here):
    result = inspect_zip(good["scorm12"], limits=Limits(large_file_bytes=90_000))
    [diagnostic] = [d for d in result.report.items if d.code == "large-file"]
    assert diagnostic.severity == "warning" and diagnostic.file.endswith("!/index.html")


def test_nothing_is_extracted_outside_a_temporary_folder(good, here, monkeypatch):
    temp = here / "temp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    (here / "work").mkdir()
    zip_path = copy_zip(good["scorm12"], here / "work" / "sly.zip",
                        add=[("../evil.xsd", b"<x/>"), ("/tmp/evil.dtd", b"x"),
                             ("sub dir/odd name.xsd", b"<x/>"), (symlink("link.xsd"), b"/etc")])
    inspect_zip(zip_path)
    assert sorted(p.name for p in here.rglob("*")) == ["sly.zip", "temp", "work"]
    assert not Path("/tmp/evil.dtd").exists()


@pytest.mark.parametrize("hostile", ["url(", "url('", 'url("', "url( ", "@import '"])
def test_css_is_scanned_in_linear_time(hostile):
    """Each match attempt stops where the next would start: 100,000 repeats take a fraction
    of a second, where trying every length from every start would take many minutes (the
    alarm turns such a regression into a failure, not a hang)."""
    import signal
    from coursepack.outside import scan_css

    def too_slow(*_):
        raise AssertionError("scanning the CSS took over 30 s")
    before = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(30)
    try:
        found = scan_css(hostile * 100_000 + " url(https://cdn.example.org/x.png)")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    assert [r.url for r in found] == ["https://cdn.example.org/x.png"]


@pytest.mark.parametrize("page, found", [
    ('<img src="' * 100_000, []),
    ("<script>" + "var a = 1;" * 20_000 + 'fetch("https://cdn.example.org/q")',
     ["https://cdn.example.org/q"])])
def test_a_page_left_open_is_scanned_in_linear_time(page, found):
    """A tag left open at the end runs to the end, as a browser reads it; a script left open
    is still scanned. (Retrying the open tag from each '<' took minutes.)"""
    import signal
    from coursepack.outside import scan_html

    def too_slow(*_):
        raise AssertionError("scanning the page took over 30 s")
    before = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(30)
    try:
        assert [r.url for r in scan_html(page)] == found
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def test_a_pipe_or_device_is_not_read_as_a_zip(tmp_path):
    fifo = tmp_path / "package.zip"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        [diagnostic] = inspect_zip(path).report.items
        assert diagnostic.code == "zip-corrupt" and "not a regular file" in diagnostic.message
