"""Validate manifests against SCORM's XML schemas, offline.

The schemas are not part of coursepack: they come from a folder the caller names (the files a
package ships at its root, or a set an admin keeps). Imports and includes resolve to files in
that folder only; nothing is ever fetched from the network.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

IMSCP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD12 = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
IMSCP13 = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP13 = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ13 = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV13 = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"

# The root schema file of each namespace, per SCORM version.
ROOTS = {
    "scorm12": {IMSCP12: "imscp_rootv1p1p2.xsd", ADLCP12: "adlcp_rootv1p2.xsd",
                IMSMD12: "imsmd_rootv1p2p1.xsd"},
    "scorm2004": {IMSCP13: "imscp_v1p1.xsd", ADLCP13: "adlcp_v1p3.xsd",
                  ADLSEQ13: "adlseq_v1p3.xsd", ADLNAV13: "adlnav_v1p3.xsd",
                  IMSSS: "imsss_v1p0.xsd", LOM: "lom.xsd"},
}


class SchemaUnavailable(Exception):
    """The folder lacks a schema file the manifest needs."""


class _LocalOnly(etree.Resolver):
    """Maps every import to a file of the schema folder; refuses anything else."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder.resolve()

    def resolve(self, url, pubid, context):
        parts = urlsplit(url or "")
        if parts.scheme in ("http", "https"):
            candidate = self.folder / Path(parts.path).name
        elif parts.scheme in ("", "file"):
            candidate = Path(parts.path)
            if not candidate.is_absolute():
                candidate = self.folder / candidate
        else:
            candidate = None
        if candidate is None or not candidate.is_file():
            # a known-by-name file anywhere in the folder (e.g. xml.xsd in a subfolder)
            matches = sorted(self.folder.rglob(Path(parts.path or "").name)) if parts.path else []
            if not matches:
                raise SchemaUnavailable(f"schema file for '{url}' is not in {self.folder}")
            candidate = matches[0]
        candidate = candidate.resolve()
        if self.folder not in candidate.parents and candidate.parent != self.folder:
            raise SchemaUnavailable(f"'{url}' resolves outside the schema folder")
        text = candidate.read_bytes()
        if candidate.name == "ims_xml.xsd":
            # This file binds the default namespace to the xml namespace, which Namespaces in
            # XML forbids and libxml2 rejects; the schema does not depend on that binding.
            text = re.sub(rb'\sxmlns="http://www.w3.org/XML/1998/namespace"', b"", text, count=1)
        return self.resolve_string(text, context, base_url=candidate.as_uri())


@lru_cache(maxsize=8)
def load_schema(folder: Path, version: str, namespaces: tuple[str, ...] = ()) -> etree.XMLSchema:
    """A validator for one SCORM version from the schema files in folder."""
    roots = ROOTS[version]
    wanted = namespaces or tuple(roots)
    imports = []
    for ns in wanted:
        if ns not in roots:
            continue
        path = folder / roots[ns]
        if not path.is_file():
            raise SchemaUnavailable(f"{roots[ns]} is missing from {folder}")
        imports.append(f'<xs:import namespace="{ns}" schemaLocation="{path.resolve().as_uri()}"/>')
    driver = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
              + "".join(imports) + "</xs:schema>")
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalOnly(folder))
    try:
        doc = etree.fromstring(driver.encode(), parser, base_url=folder.resolve().as_uri() + "/")
        return etree.XMLSchema(doc)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise SchemaUnavailable(f"the schemas in {folder} cannot be loaded: {exc}") from exc


def validate_manifest(manifest: bytes, folder: Path, version: str) -> list[str]:
    """Problems found validating manifest against the schemas in folder ([] when valid)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    doc = etree.fromstring(manifest, parser)
    names = [n.tag for n in doc.iter() if isinstance(n.tag, str)]
    names += [a for n in doc.iter() if isinstance(n.tag, str) for a in n.attrib]
    used = tuple(sorted({name[1:].split("}")[0] for name in names if name.startswith("{")}))
    schema = load_schema(folder.resolve(), version, tuple(ns for ns in ROOTS[version] if ns in used))
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
