"""Examine a SCORM 1.2 or 2004 zip from any tool, without trusting it.

Entries are read straight from the zip, within byte limits, and nothing is written to disk
except the package's own schema files, under sanitized names in a temporary folder that is
removed afterwards. The result is a Report of Diagnostics plus facts about the package.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import stat
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import unquote

from lxml import etree
from msgspec import Struct, field, structs

from . import outside, xsd
from .diagnostics import (Report, display_path, format_github, format_json, format_text,
                          human_size, plural)
from .zipcheck import Contents, Limits, escapes, printable, read_zip

MANIFEST = "imsmanifest.xml"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
SCHEMA_SUFFIXES = (".xsd", ".dtd")
SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
LABELS = {"scorm12": "SCORM 1.2", "scorm2004": "SCORM 2004"}
NAMESPACE_VERSION = {xsd.IMSCP12: "scorm12", xsd.ADLCP12: "scorm12", xsd.IMSCP13: "scorm2004",
                     xsd.ADLCP13: "scorm2004", xsd.ADLSEQ13: "scorm2004",
                     xsd.ADLNAV13: "scorm2004", xsd.IMSSS: "scorm2004"}
MAX_SCHEMA_ERRORS = 50
SELF_CONTAINED_HINT = ("copy it into the package and use a relative path; a package that "
                       "loads from other hosts fails offline, behind firewalls and under "
                       "strict content policies")


class Facts(Struct):
    zip: str
    standard: str | None = None
    schemaversion: str = ""
    scos: list[dict] = field(default_factory=list)
    files: int = 0
    total_bytes: int = 0
    largest: dict | None = None
    schemas: str | None = None

    def as_json(self) -> dict:
        return structs.asdict(self)


class Inspection(Struct):
    report: Report
    package: Facts


def inspect_zip(path: Path, schemas: Path | None = None, limits: Limits = Limits()) -> Inspection:
    """Examine the zip at path; validate its manifest against schemas, else the package's."""
    shown = display_path(path)
    state = Contents(shown, Report(), limits)
    facts = Facts(shown)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            # a named pipe or a device would be read without end, or block
            raise zipfile.BadZipFile("it is not a regular file (a pipe or a device)")
        with zipfile.ZipFile(path) as zf:
            complete = read_zip(zf, state, _keep)
            _size_facts(zf.infolist(), state, facts)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        state.report.error("zip-corrupt", f"not a readable zip file: {exc}", state.at(),
                           "make the zip again; the upload or download may have been cut short")
        return Inspection(state.report, facts)
    if not complete:
        return Inspection(state.report, facts)
    root = _manifest(state)
    if root is not None:
        _examine_manifest(root, state, facts, schemas)
    _external_references(state)
    return Inspection(state.report, facts)


def _size_facts(infos: list[zipfile.ZipInfo], contents: Contents, facts: Facts) -> None:
    files = [i for i in infos if not i.is_dir()]
    facts.files = len(files)
    facts.total_bytes = sum(i.file_size for i in files)
    if files:
        largest = max(files, key=lambda i: (i.file_size, i.filename))
        facts.largest = {"path": printable(largest.filename), "bytes": largest.file_size}
    for info in files:
        if info.file_size > contents.limits.large_file_bytes:
            contents.report.warning("large-file", f"file is {human_size(info.file_size)}",
                                    contents.at(info.filename), "some LMSs refuse big uploads "
                                    "and learners on slow connections wait; compress it if "
                                    "you can")


def _keep(name: str) -> bool:
    return name == MANIFEST or name.lower().endswith(outside.SUFFIXES + SCHEMA_SUFFIXES)


# -- the manifest ---------------------------------------------------------------------------

def _manifest(state: Contents):
    """The parsed manifest, or None (reported) when it is missing or not well-formed XML."""
    if MANIFEST not in state.kept:
        if MANIFEST in state.unread or MANIFEST in state.refused:
            pass      # reported with the entry
        elif MANIFEST in state.present:
            state.report.error("zip-too-large", f"imsmanifest.xml is larger than "
                               f"{human_size(state.limits.kept_bytes)}; it was not read",
                               state.at(MANIFEST))
        else:
            others = sorted(n for n in state.present if n.lower().endswith(MANIFEST))
            hint = (f"the zip has '{others[0]}': zip the contents of the course folder, not "
                    "the folder, with imsmanifest.xml (lowercase) at the root" if others else
                    "every SCORM package has imsmanifest.xml at the root of the zip")
            state.report.error("manifest-missing", "the zip has no imsmanifest.xml at its root",
                               state.at(), hint)
        return None
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        root = etree.fromstring(state.kept[MANIFEST], parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        state.report.error("manifest-syntax", f"imsmanifest.xml is not well-formed XML: "
                           f"{exc.msg}", state.at(MANIFEST, line, column))
        return None
    entity = next(root.iter(etree.Entity), None)
    if entity is not None:
        # Left unexpanded (expanding them can read files or the network): the text they
        # stand for is unknown, so the manifest cannot be checked, nor read as an LMS would.
        state.report.error("manifest-entity", f"imsmanifest.xml uses the entity "
                           f"'{entity.text}', declared in its DOCTYPE; it was not expanded, "
                           "and the manifest was not checked further",
                           state.at(MANIFEST, _line(entity) or _line(entity.getparent()), 1),
                           "write the text in place of the entity and remove the DOCTYPE: "
                           "LMSs read manifests without expanding entities")
        return None
    if etree.QName(root).localname != "manifest":
        state.report.error("manifest-invalid", f"the root element is "
                           f"'{etree.QName(root).localname}', expected 'manifest'",
                           state.at(MANIFEST, _line(root), 1))
        return None
    return root


def _line(el) -> int:
    return el.sourceline or 0


def _namespaces(root) -> set[str]:
    names = [n.tag for n in root.iter() if isinstance(n.tag, str)]
    names += [a for n in root.iter() if isinstance(n.tag, str) for a in n.attrib]
    return {name[1:].split("}")[0] for name in names if name.startswith("{")}


def _version(root, state: Contents, facts: Facts) -> str | None:
    """SCORM 1.2 or 2004, from the namespaces and metadata/schemaversion."""
    cp = etree.QName(root).namespace or ""
    facts.schemaversion = (root.findtext(f"{{{cp}}}metadata/{{{cp}}}schemaversion") or "").strip()
    by_meta = ("scorm12" if facts.schemaversion == "1.2" else "scorm2004"
               if re.search(r"2004|1\.3", facts.schemaversion) else None)
    used = _namespaces(root)
    adl = {NAMESPACE_VERSION[ns] for ns in used if ns in NAMESPACE_VERSION and "adlnet" in ns}
    by_ns = adl.pop() if len(adl) == 1 else NAMESPACE_VERSION.get(cp)
    if by_ns and by_meta and by_ns != by_meta:
        state.report.warning("version-mismatch", f"schemaversion '{facts.schemaversion}' says "
                             f"{LABELS[by_meta]} but the namespaces are {LABELS[by_ns]}'s",
                             state.at(MANIFEST, _line(root), 1),
                             f"the package is checked as {LABELS[by_ns]}")
    version = by_ns or by_meta
    if version is None:
        state.report.error("version-unknown", "cannot tell whether this is SCORM 1.2 or 2004",
                           state.at(MANIFEST, _line(root), 1),
                           "set metadata/schemaversion to '1.2' or '2004 4th Edition' and use "
                           "that version's namespaces")
    facts.standard = version
    return version


def _examine_manifest(root, state: Contents, facts: Facts, schemas: Path | None) -> None:
    version = _version(root, state, facts)
    if version is not None:
        facts.schemas = _validate(root, version, state, schemas)
    cp = etree.QName(root).namespace or ""
    resources = _identifiers(root, cp, state)
    _hrefs(root, cp, state)
    facts.scos = _scos(root, cp, resources, state)


def _schema_folder(folder: Path, root_file: str) -> Path | None:
    """folder, or the shallowest folder below it (two levels at most), holding root_file."""
    for pattern in (root_file, f"*/{root_file}", f"*/*/{root_file}"):
        found = sorted(p for p in folder.glob(pattern) if p.is_file())
        if found:
            return found[0].parent
    return None


def _extract_schemas(state: Contents, into: Path) -> None:
    """Write the package's .xsd/.dtd entries below into, under sanitized names only."""
    for name, data in state.kept.items():
        parts = name.split("/")
        if name.lower().endswith(SCHEMA_SUFFIXES) and all(SAFE_PART.fullmatch(p) for p in parts):
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _validate(root, version: str, state: Contents, schemas: Path | None) -> str | None:
    """Validate against schemas, else the package's own; where the schemas came from."""
    root_file = xsd.ROOTS[version].get(etree.QName(root).namespace, "")
    if not root_file:
        state.report.warning("schema-unavailable", f"no {LABELS[version]} schema describes the "
                             f"root namespace '{etree.QName(root).namespace}'; the manifest "
                             "was not checked against the schemas",
                             state.at(MANIFEST, _line(root), 1),
                             f"{LABELS[version]} manifests use the namespace "
                             f"'{next(iter(xsd.ROOTS[version]))}'")
        return None
    if schemas is not None:
        folder = _schema_folder(schemas, root_file)
        where = display_path(folder or schemas)
        return _validate_in(root, version, state, folder, where, cached=True)
    with tempfile.TemporaryDirectory(prefix="coursepack-inspect-") as tmp:
        _extract_schemas(state, Path(tmp))
        folder = _schema_folder(Path(tmp), root_file)
        return _validate_in(root, version, state, folder, "package", cached=False, temp=tmp)


def _validate_in(root, version: str, state: Contents, folder: Path | None, where: str,
                 cached: bool, temp: str = "") -> str | None:
    at = state.at(MANIFEST)
    skipped = f"the manifest was not checked against the {LABELS[version]} schemas"
    if folder is None:
        state.report.warning("schema-unavailable", f"{skipped}: {_in(where)} has none",
                             at, "pass a folder of the official XSDs with --schemas DIR")
        return None
    used = tuple(ns for ns in xsd.ROOTS[version] if ns in _namespaces(root))
    load = xsd.load_schema if cached else xsd.load_schema.__wrapped__  # temp folders vary
    try:
        schema = load(folder.resolve(), version, used)
    except (xsd.SchemaUnavailable, etree.LxmlError) as exc:
        reason = str(exc).replace(str(Path(temp).resolve()) if temp else "\0", _in(where))
        state.report.warning("schema-unavailable", f"{skipped}: {reason}", at,
                             "pass a folder of the official XSDs with --schemas DIR")
        return None
    if not schema.validate(root.getroottree()):
        _schema_errors(schema.error_log, where, state)
    return where


def _in(where: str) -> str:
    return "the package" if where == "package" else where


def _schema_errors(log, where: str, state: Contents) -> None:
    errors = list(log)
    for e in errors[:MAX_SCHEMA_ERRORS]:
        message = re.sub(r"\{[^}]*\}", "", e.message)
        state.report.error("manifest-invalid", message, state.at(MANIFEST, e.line, 0),
                           f"checked against the schemas in {_in(where)}")
    if len(errors) > MAX_SCHEMA_ERRORS:
        state.report.error("manifest-invalid", f"{len(errors) - MAX_SCHEMA_ERRORS} more schema "
                           "errors not shown", state.at(MANIFEST))


IMSSS = "http://www.imsglobal.org/xsd/imsss"


def _identifiers(root, cp: str, state: Contents) -> dict:
    """Report repeated and unresolved identifiers; the resources by identifier."""
    seen: dict[str, int] = {}
    tags = ("manifest", "organization", "item", "resource")
    for el in root.iter(*(f"{{{cp}}}{tag}" for tag in tags)):
        ident = el.get("identifier")
        if ident is None:
            continue
        if ident in seen:
            state.report.error("duplicate-identifier", f"identifier '{ident}' is used again "
                               f"(first on line {seen[ident]})",
                               state.at(MANIFEST, _line(el), 1),
                               "identifiers must be unique in the manifest")
        seen.setdefault(ident, _line(el))
    resources = {r.get("identifier"): r for r in root.iter(f"{{{cp}}}resource")}
    organizations = {o.get("identifier") for o in root.iter(f"{{{cp}}}organization")}
    for orgs in root.iter(f"{{{cp}}}organizations"):
        _resolve(orgs, "default", organizations, "organization", state)
    for el in root.iter(f"{{{cp}}}item", f"{{{cp}}}dependency"):
        _resolve(el, "identifierref", resources, "resource", state)
    # SCORM 2004: a sequencing that reuses one of the collection's (an IDREF the schema
    # check does not follow)
    shared = {el.get("ID") for el in root.iter(f"{{{IMSSS}}}sequencing") if el.get("ID")}
    for el in root.iter(f"{{{IMSSS}}}sequencing"):
        _resolve(el, "IDRef", shared, "sequencing of the sequencingCollection", state)
    return resources


def _resolve(el, attr: str, known, kind: str, state: Contents) -> None:
    ref = el.get(attr)
    if ref is not None and ref not in known:
        tag = etree.QName(el).localname
        state.report.error("unresolved-identifierref", f"{tag} {attr} '{ref}' names no {kind}",
                           state.at(MANIFEST, _line(el), 1),
                           f"use the identifier of a {kind} in this manifest")


def _base(el) -> str:
    """The xml:base that applies to a resource's hrefs (manifest, resources, resource)."""
    parts = [a.get(XML_BASE, "") for a in (*reversed(list(el.iterancestors())), el)
             if etree.QName(a).localname in ("manifest", "resources", "resource")]
    return posixpath.join("", *parts) if parts else ""


def _hrefs(root, cp: str, state: Contents) -> None:
    for resource in root.iter(f"{{{cp}}}resource"):
        base = _base(resource)
        for el in (resource, *resource.iterfind(f"{{{cp}}}file")):
            if el.get("href") is not None:
                _check_href(el, base, state)


def _check_href(el, base: str, state: Contents) -> None:
    href, at = el.get("href").strip(), state.at(MANIFEST, _line(el), 1)
    if outside.is_outside(posixpath.join(base, href)) or re.match(r"[A-Za-z][\w+.-]+:", href):
        state.report.warning("external-reference", f"href '{href}' points outside the package",
                             at, SELF_CONTAINED_HINT)
        return
    path = posixpath.join(unquote(base), unquote(re.split(r"[?#]", href, maxsplit=1)[0]))
    if path.startswith("/") or escapes(path):
        state.report.error("href-outside", f"href '{href}' leaves the package", at,
                           "hrefs are relative to the package root and stay inside it")
        return
    path = posixpath.normpath(path)
    if path in state.refused:      # in the zip, but unsafe: reported with its entry
        return
    if path not in state.present:
        same = sorted(n for n in state.present if n.lower() == path.lower())
        state.report.error("href-missing", f"href '{href}' names a file that is not in the zip",
                           at, f"the zip has '{same[0]}': names are case-sensitive on most "
                           "servers" if same else "add the file, or remove it from the manifest")


def _scormtype(resource) -> str:
    values = [value for name, value in resource.attrib.items()
              if etree.QName(name).localname.lower() == "scormtype"]
    return values[0].strip().lower() if values else ""


def _scos(root, cp: str, resources: dict, state: Contents) -> list[dict]:
    """The items that launch a SCO, with their launch hrefs."""
    scos = []
    for item in root.iter(f"{{{cp}}}item"):
        resource = resources.get(item.get("identifierref"))
        if resource is None or _scormtype(resource) != "sco":
            continue
        if not resource.get("href"):
            state.report.error("sco-without-href", "SCO resource "
                               f"'{resource.get('identifier')}' has no href to launch",
                               state.at(MANIFEST, _line(resource), 1),
                               "set href to the page the LMS opens")
            continue
        href = posixpath.join(_base(resource), resource.get("href").strip())
        scos.append({"identifier": item.get("identifier", ""),
                     "title": (item.findtext(f"{{{cp}}}title") or "").strip(), "href": href})
    if not scos:
        state.report.error("no-sco", "no item launches a SCO, so the LMS has nothing to track",
                           state.at(MANIFEST, _line(root), 1),
                           "point an item's identifierref at a resource with "
                           "adlcp:scormtype=\"sco\" (SCORM 1.2) or adlcp:scormType=\"sco\" "
                           "(SCORM 2004) and an href")
    return scos


def _external_references(state: Contents) -> None:
    for name in sorted(state.kept):
        for ref in outside.scan(name, state.kept[name]):
            state.report.warning("external-reference", f"{ref.what} loads '{ref.url}' from "
                                 f"{ref.host}, outside the package",
                                 state.at(name, ref.line, ref.column), SELF_CONTAINED_HINT)


# -- output ---------------------------------------------------------------------------------

def _summary(report: Report) -> str:
    return f"{plural(report.errors, 'error')}, {plural(report.warnings, 'warning')} in 1 package"


def _header(facts: Facts) -> list[str]:
    standard = LABELS.get(facts.standard or "", "unknown")
    if facts.schemaversion:
        standard += f" (schemaversion {facts.schemaversion})"
    launches = ", ".join(s["href"] for s in facts.scos)
    largest = facts.largest
    schemas = (f"manifest checked against the XSDs in {_in(facts.schemas)}" if facts.schemas
               else "manifest not checked against the XSDs")
    return [f"Package:  {facts.zip}", f"Standard: {standard}",
            f"SCOs:     {len(facts.scos)}" + (f" ({launches})" if launches else ""),
            f"Files:    {facts.files}, {human_size(facts.total_bytes)} in total",
            "Largest:  " + (f"{largest['path']} ({human_size(largest['bytes'])})"
                            if largest else "none"),
            f"Schemas:  {schemas}", ""]


def render(result: Inspection, fmt: str = "text", color: bool = False, quiet: bool = False) -> str:
    """The report in one of the output formats of `validate` ('' when quiet and clean)."""
    report = result.report
    if fmt == "json":
        doc = json.loads(format_json(report, []))
        doc["package"] = result.package.as_json()
        return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True)
    if fmt == "github":
        return "\n".join(format_github(report, 1).split("\n")[:-1] + [_summary(report)])
    if quiet and not report.items:
        return ""
    lines = [] if quiet else _header(result.package)
    lines += format_text(report, 1, color=color).split("\n")[:-1]
    return "\n".join(lines + [_summary(report)])
