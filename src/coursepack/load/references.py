"""Reference lists in the formats authors have, read into one Reference model.

Formats, by file extension: .json (CSL-JSON), .yaml/.yml (CSL-YAML), .bib (BibTeX and
biblatex, via bibtexparser), .ris (RIS, via rispy) and .txt (a plain list, one entry a line,
numbered or bulleted or not; see reftext.py). Every entry remembers its file and line; a file
that cannot be read gives a diagnostic with its line, never a traceback.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from .. import lazyre, units
from ..diagnostics import Report, Source, display_path, shorten
from ..model import Name, Reference
from . import reftext
from .files import read_text, resolve_inside
from .style import DEFAULT_STYLE, find_style
from .yamlpos import parse_yaml

FORMATS = {".json": "csl-json", ".yaml": "csl-yaml", ".yml": "csl-yaml", ".bib": "bibtex",
           ".ris": "ris", ".txt": "text"}

# CSL item types (CSL 1.0.2); anything else is read as "document" with a warning.
CSL_TYPES = frozenset((
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
    "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
    "personal_communication", "post", "post-weblog", "regulation", "report", "review",
    "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage"))

_MAIN_FIELDS = {"title": "title", "container-title": "container", "publisher": "publisher",
                "publisher-place": "place", "volume": "volume", "issue": "issue",
                "page": "page", "edition": "edition", "URL": "url", "DOI": "doi"}
_NAME_FIELDS = {"author": "authors", "editor": "editors"}
_SKIPPED = {"id", "type", "issued", "accessed", "citation-key", "key"}


def read_references(path: Path, report: Report) -> list[Reference]:
    """Every entry of one reference file, in file order."""
    fmt = FORMATS.get(path.suffix.lower())
    source = Source(display_path(path))
    if fmt is None:
        report.error("reference-format", f"cannot tell the format of '{shorten(path.name)}' "
                     "from its extension", source.at(1, 1), "name the file .json (CSL-JSON), "
                     ".yaml (CSL-YAML), .bib (BibTeX), .ris (RIS) or .txt (a plain list)")
        return []
    errors_before = report.errors
    text = read_text(path, report)
    if text is None:
        return []
    reader = {"csl-json": _read_csl_json, "csl-yaml": _read_csl_yaml, "bibtex": _read_bibtex,
              "ris": _read_ris, "text": _read_plain}[fmt]
    refs = reader(text, source, report)
    if not refs and report.errors == errors_before:
        report.error("references-empty", "the reference file has no entries", source.at(1, 1),
                     "add references to it, or remove it from 'references:' in course.yaml")
    return refs


# ---- CSL-JSON and CSL-YAML ---------------------------------------------------------------

def _read_csl_json(text: str, source: Source, report: Report) -> list[Reference]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report.error("reference-syntax", f"JSON syntax error: {exc.msg}",
                     source.at(exc.lineno, exc.colno),
                     "check commas, brackets and quotes near this place")
        return []
    except RecursionError:                  # Python's own limit: about 1,000 levels
        too_deep = True
    else:
        too_deep = _deeper_than(data, MAX_JSON_DEPTH)
    if too_deep:
        report.error("reference-syntax", f"JSON nesting is deeper than {MAX_JSON_DEPTH} levels",
                     source.at(*_json_too_deep(text)), "a CSL-JSON file is a list of "
                     "references, each a mapping of fields")
        return []
    array_depth = 1
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data, array_depth = data["items"], 2
    if not isinstance(data, list):
        report.error("reference-syntax", "a CSL-JSON file should hold a list of references "
                     "([ {...}, {...} ])", source.at(1, 1),
                     "export the library as CSL JSON from Zotero or your reference manager")
        return []
    lines = _json_item_lines(text, array_depth)
    out = []
    for i, item in enumerate(data):
        where = source.at(*lines[i]) if i < len(lines) else source.at(1, 1)
        if not _is_text(item):
            report.error("reference-syntax", "this reference holds a \\u escape that is not a "
                         "character (half of a surrogate pair)", where,
                         "write the character itself, or both halves of the pair")
            continue
        ref = _from_csl(item, where, "csl-json", report)
        if ref is not None:
            out.append(ref)
    return out


_JSON_SPACE = lazyre.compile(r"[ \t\n\r]*")


def _json_item_lines(text: str, array_depth: int = 1) -> list[tuple[int, int]]:
    """(line, column) where each reference of a valid CSL-JSON text starts: the elements of
    the top-level array (array_depth 1) or of the array under "items" (2). The values in
    between are skipped by the json module's own scanner, not a character at a time."""
    decoder, space = json.JSONDecoder(), _JSON_SPACE
    pos = space.match(text).end()
    if array_depth == 2:                   # {"key": value, ..., "items": [...], ...}
        pos, items = pos + 1, pos
        while text[space.match(text, pos).end()] != "}":
            key, pos = decoder.raw_decode(text, space.match(text, pos).end())
            pos = space.match(text, space.match(text, pos).end() + 1).end()  # past ':'
            if key == "items":
                items = pos                # the last one counts, as in json.loads
            pos = space.match(text, decoder.raw_decode(text, pos)[1]).end()
            pos += text[pos] == ","
        pos = items
    starts, pos = [], pos + 1              # past '['
    while text[pos := space.match(text, pos).end()] != "]":
        starts.append(pos)
        pos = space.match(text, decoder.raw_decode(text, pos)[1]).end()
        pos += text[pos] == ","
    out, line, line_start, counted = [], 1, 0, 0
    for pos in starts:
        newlines = text.count("\n", counted, pos)
        if newlines:
            line, line_start = line + newlines, text.rindex("\n", counted, pos) + 1
        counted = pos
        out.append((line, pos - line_start + 1))
    return out


MAX_JSON_DEPTH = 500


def _deeper_than(data, limit: int) -> bool:
    """Whether lists and mappings nest more than limit levels deep in data."""
    level = [data]
    for _ in range(limit):
        level = [child for value in level if isinstance(value, (list, dict))
                 for child in (value.values() if isinstance(value, dict) else value)]
        if not level:
            return False
    return any(isinstance(value, (list, dict)) for value in level)


def _json_too_deep(text: str) -> tuple[int, int]:
    """(line, column) where nesting first goes deeper than MAX_JSON_DEPTH."""
    depth, in_string, escape, line, column = 0, False, False, 1, 0
    for ch in text:
        column += 1
        if ch == "\n":
            line, column = line + 1, 0
        elif in_string:
            escape, in_string = (False, True) if escape else (ch == "\\", ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return line, column
        elif ch in "]}":
            depth -= 1
    return 1, 1


def _is_text(value) -> bool:
    """False when a JSON value holds a lone surrogate (from an escape such as \\ud800),
    which no file or page can hold."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_csl_yaml(text: str, source: Source, report: Report) -> list[Reference]:
    doc = parse_yaml(text, source, report)
    if doc is None:
        return []
    data, path = doc.data, ()
    if isinstance(data, dict) and isinstance(data.get("references"), list):
        data, path = data["references"], ("references",)
    if not isinstance(data, list):
        report.error("reference-syntax", "a CSL-YAML file should hold a list of references "
                     "(or 'references:' with a list)", doc.pos(()),
                     "start each reference with '- id: key'")
        return []
    out = []
    for i, item in enumerate(data):
        ref = _from_csl(item, doc.pos(path + (i,)), "csl-yaml", report)
        if ref is not None:
            out.append(ref)
    return out


def _from_csl(item, where: Source, fmt: str, report: Report) -> Reference | None:
    if not isinstance(item, dict):
        report.error("reference-syntax", "each reference should be a mapping of CSL fields",
                     where, "write id, type, author, issued, title, ...")
        return None
    fields: dict = {}
    for csl, name in _MAIN_FIELDS.items():
        value = item.get(csl)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            fields[name] = reftext.normalise_space(str(value))
    if "page" in fields:
        fields["page"] = reftext.page_range(fields["page"])
    for csl, name in _NAME_FIELDS.items():
        if isinstance(item.get(csl), list):
            fields[name] = tuple(n for n in map(_csl_name, item[csl]) if n is not None)
    fields["issued"] = _csl_date(item.get("issued"))
    fields["accessed"] = _csl_date(item.get("accessed"))
    extra = []
    for key, value in sorted(item.items()):
        if key in _MAIN_FIELDS or key in _NAME_FIELDS or key in _SKIPPED:
            continue
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            extra.append((key, str(value)))
    key = item.get("id", item.get("citation-key"))
    key = str(key).strip() if isinstance(key, (str, int)) and str(key).strip() else ""
    kind = item.get("type")
    kind = _check_type(kind if isinstance(kind, str) else "", where, report)
    return Reference(key=key, type=kind, source=where, extra=tuple(extra), format=fmt, **fields)


def _csl_name(value) -> Name | None:
    if isinstance(value, str):
        names = reftext.parse_names(value)
        return names[0] if names else None
    if not isinstance(value, dict):
        return None
    get = lambda k: str(value.get(k) or "").strip()   # noqa: E731
    particle = " ".join(p for p in (get("dropping-particle"), get("non-dropping-particle")) if p)
    name = Name(family=get("family"), given=get("given"), literal=get("literal"),
                particle=particle, suffix=get("suffix"))
    return name if name.family or name.literal or name.given else None


def _csl_date(value) -> tuple[int, ...]:
    """CSL dates: {"date-parts": [[2019, 3]]}, {"raw": "2019-03"}, {"literal": ...}, 2019,
    "2019-03-01", or pandoc's [{year: 2019}]."""
    if isinstance(value, bool) or value is None:
        return ()
    if isinstance(value, int):
        return (value,)
    if hasattr(value, "year") and hasattr(value, "month"):     # a YAML date: 2024-01-05
        return (value.year, value.month, value.day)
    if isinstance(value, str):
        return reftext.parse_date(value)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        value = value[0]
    if not isinstance(value, dict):
        return ()
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list):
        out = []
        for part in parts[0][:3]:
            try:
                out.append(int(part))
            except (TypeError, ValueError, OverflowError):   # OverflowError: 1e999
                break
        return tuple(out)
    if "year" in value:
        try:
            return tuple(int(value[k]) for k in ("year", "month", "day") if k in value)
        except (TypeError, ValueError, OverflowError):
            return ()
    for k in ("raw", "literal"):
        if isinstance(value.get(k), (str, int)):
            return reftext.parse_date(str(value[k]))
    return ()


def _check_type(kind: str, where: Source, report: Report) -> str:
    if kind in CSL_TYPES:
        return kind
    import difflib
    close = difflib.get_close_matches(kind, sorted(CSL_TYPES), n=1) if kind else []
    report.warning("reference-type", f"reference type '{kind}' is not a CSL type; it is read "
                   "as 'document'" if kind else "reference has no type; it is read as "
                   "'document'", where,
                   f"did you mean '{close[0]}'?" if close else
                   "use a CSL type such as book, article-journal, chapter, report or webpage")
    return "document"


# ---- BibTeX ----------------------------------------------------------------------------

_BIB_TYPES = {"article": "article-journal", "book": "book", "booklet": "pamphlet",
              "inbook": "chapter", "incollection": "chapter", "inproceedings": "paper-conference",
              "conference": "paper-conference", "proceedings": "book", "manual": "report",
              "techreport": "report", "report": "report", "phdthesis": "thesis",
              "mastersthesis": "thesis", "thesis": "thesis", "online": "webpage",
              "electronic": "webpage", "www": "webpage", "unpublished": "manuscript",
              "misc": "document", "dataset": "dataset", "software": "software"}
_BIB_FIELDS = {"title": "title", "journal": "container", "journaltitle": "container",
               "booktitle": "container", "publisher": "publisher", "institution": "publisher",
               "school": "publisher", "organization": "publisher", "address": "place",
               "location": "place", "volume": "volume", "number": "issue", "pages": "page",
               "edition": "edition", "url": "url", "doi": "doi"}
_BIB_EXTRA = {"series": "collection-title", "note": "note", "isbn": "ISBN", "issn": "ISSN",
              "howpublished": "medium", "type": "genre"}


# Fields BibTeX and biblatex take verbatim (the url package's way): '%', '&', '~' and '_'
# in them are an address's own characters, not LaTeX.
_BIB_VERBATIM = frozenset({"url", "doi", "eprint", "file", "pdf", "urlraw"})
MAX_BIB_FIELD = 20_000   # characters: LaTeX decoding time grows faster than the text
_RUN_ON = lazyre.compile(r"\n\s*([A-Za-z][\w-]*)\s*=")
# What LaTeX decoding may change: text without any of it is decoded as it is (a property
# test holds pylatexenc to this), so it is not decoded, which for most values of a
# BibTeX file saves setting up a LaTeX parser: most of the time of reading one.
_LATEX = lazyre.compile(r"[\\{}$~%&`]|''|--")


def _read_bibtex(text: str, source: Source, report: Report) -> list[Reference]:
    import bibtexparser
    from bibtexparser import middlewares as mw
    from bibtexparser.model import DuplicateBlockKeyBlock, Entry

    import logging
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

    class LatexDecoding(mw.LatexDecodingMiddleware):
        """bibtexparser's LaTeX decoding, skipped for values with nothing to decode."""

        def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
            if not _LATEX.search(python_string):
                return python_string, ""
            return super()._transform_python_value_string(python_string)

    lines = text.split("\n")
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
        library = _keep_first_of_repeated_fields(library, lines, source, report)
        _concatenate(library)
        for middleware in (mw.ResolveStringReferencesMiddleware(), mw.RemoveEnclosingMiddleware(),
                           mw.SeparateCoAuthors(), mw.SplitNameParts()):
            library = middleware.transform(library)
        _inherit_crossref(library, lines, source, report)
        _check_bib_fields(library, lines, source, report)
        verbatim = [(field, field.value) for entry in library.entries for field in entry.fields
                    if field.key.lower() in _BIB_VERBATIM]
        for middleware in (LatexDecoding(), mw.MonthIntMiddleware(True)):
            library = middleware.transform(library)
        for field, value in verbatim:
            field.value = value
    except Exception as exc:  # noqa: BLE001 - the parser's own failures become a diagnostic
        report.error("reference-syntax", f"cannot read the BibTeX file: {shorten(exc, 200)}",
                     source.at(1, 1))
        return []
    out: list[Reference] = []
    for block in library.blocks:
        line = getattr(block, "start_line", 0) + 1
        where = source.at(line, _column_of(lines, line, "@"))
        if isinstance(block, Entry):
            out.append(_from_bibtex(block, where, report))
        elif isinstance(block, DuplicateBlockKeyBlock):
            out.append(Reference(key=block.key, type="document", source=where, format="bibtex"))
        elif type(block).__name__.endswith("FailedBlock") or \
                type(block).__name__ == "MiddlewareErrorBlock":
            unclosed = _unclosed_value(getattr(block, "raw", "") or "")
            if unclosed:
                offset, field, opener = unclosed
                raw = block.raw
                at_line = line + raw.count("\n", 0, offset)
                at_column = offset - raw.rfind("\n", 0, offset)
                report.error("reference-syntax", f"the value of '{shorten(field)}' opened here "
                             "is never closed", source.at(at_line, at_column),
                             f"close it with {'}' if opener == '{' else opener} before the "
                             "comma that ends the field")
                continue
            error = getattr(block, "error", None)
            reason = getattr(error, "abort_reason", "") or str(error or "")
            reason = shorten(reason, 200).rstrip(".").replace("`", "'")
            report.error("reference-syntax", "this BibTeX entry cannot be read"
                         + (f": {reason}" if reason else ""), where,
                         "check that every field is written name = {value}, with "
                         "commas between fields and balanced braces")
    return out


_FIELD_START = lazyre.compile(r"([A-Za-z][\w:.+-]*)\s*=\s*([{\"])")


def _unclosed_value(raw: str) -> tuple[int, str, str] | None:
    """Where an entry's field value opens ('{' or '"') and is never closed: (offset of the
    opening character, field name, the opening character)."""
    start = raw.find("{")
    if start < 0:
        return None
    pos = start + 1
    while True:
        match = _FIELD_START.search(raw, pos)
        if match is None:
            return None
        opener, depth, i = match.group(2), 0, match.end(2)
        if opener == "{":
            depth = 1
            while i < len(raw) and depth:
                depth += {"{": 1, "}": -1}.get(raw[i], 0)
                i += 1
            if depth or i >= len(raw):     # (at the end, it took the entry's own '}')
                return match.start(2), match.group(1), opener
        else:
            while i < len(raw) and raw[i] != '"':
                depth += {"{": 1, "}": -1}.get(raw[i], 0)
                i += 1
            if i >= len(raw):
                return match.start(2), match.group(1), opener
            i += 1
        pos = i


def _keep_first_of_repeated_fields(library, lines: list[str], source: Source,
                                   report: Report):
    """An entry that names a field twice is kept with the first value, as BibTeX keeps it,
    and the repeat is reported where it is written. The library is made again, in the
    file's order, so that of two entries with one key the later is still the repeat."""
    from bibtexparser import Library
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock
    if not any(isinstance(block, DuplicateFieldKeyBlock) for block in library.failed_blocks):
        return library
    blocks = []
    for block in library.blocks:
        if isinstance(block, DuplicateFieldKeyBlock):
            entry, seen = block.ignore_error_block, set()
            for field in list(entry.fields):
                if field.key.lower() in seen:
                    line = (field.start_line or 0) + 1
                    report.warning("reference-repeated-field", f"'{shorten(entry.key)}' gives "
                                   f"the field '{shorten(field.key)}' again; the first value is "
                                   "used", source.at(line, _column_of(lines, line, field.key)),
                                   "remove one of the two")
                    entry.fields = [kept for kept in entry.fields if kept is not field]
                seen.add(field.key.lower())
            block = entry
        elif isinstance(block, DuplicateBlockKeyBlock):
            block = block.ignore_error_block
        blocks.append(block)
    return Library(blocks, fail_on_duplicate_key=False)


_MONTHS = {m[:3]: m for m in ("january", "february", "march", "april", "may", "june", "july",
                              "august", "september", "october", "november", "december")}


def _concatenate(library) -> None:
    """BibTeX's '#': the parts (quoted, braced, a number or an @string's name) of a value,
    joined, for the @string definitions in order and then every field."""
    strings: dict[str, str] = {}         # each @string's text, without quotes or braces
    for string in library.strings:
        if not isinstance(string.value, str):
            continue
        parts = _joined_parts(string.value) or [string.value.strip()]
        strings[string.key.lower()] = "".join(_part_text(p, strings) for p in parts)
        if len(parts) > 1:
            string.value = "{" + strings[string.key.lower()] + "}"
    for entry in library.entries:
        for field in entry.fields:
            parts = _joined_parts(field.value) if isinstance(field.value, str) else None
            if parts:
                field.value = "{" + "".join(_part_text(p, strings) for p in parts) + "}"


def _joined_parts(value: str) -> list[str] | None:
    """The parts of a value written with '#' (None when there is no '#' between parts)."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(value[start:i].strip())
            start = i + 1
    if not parts:
        return None
    return parts + [value[start:].strip()]


def _part_text(part: str, strings: dict[str, str]) -> str:
    if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
        return part[1:-1]
    key = part.lower()
    if key in strings:
        return strings[key]
    return _MONTHS[key].capitalize() if key in _MONTHS else part


# biblatex's inheritance for a part of a whole (an article in proceedings, a chapter in a
# collection): the whole's title is the part's booktitle; its own identity is not inherited.
_NOT_INHERITED = {"crossref", "ids", "title", "subtitle", "titleaddon", "shorttitle"}


def _inherit_crossref(library, lines: list[str], source: Source, report: Report) -> None:
    """A `crossref` entry takes the fields it does not give from the entry it names."""
    from bibtexparser.model import Field
    by_key = {entry.key.lower(): entry for entry in library.entries}
    for entry in library.entries:
        own = {field.key.lower(): field for field in entry.fields}
        if "crossref" not in own or not isinstance(own["crossref"].value, str):
            continue
        parent = by_key.get(own["crossref"].value.strip().lower())
        if parent is None or parent is entry:
            line = (own["crossref"].start_line or 0) + 1
            report.warning("reference-crossref", f"'{shorten(entry.key)}' takes its missing "
                           f"fields from '{shorten(own['crossref'].value)}', which is not an "
                           "entry of this file", source.at(line, _column_of(lines, line,
                                                                             "crossref")),
                           "add that entry, or write the fields into this one")
            continue
        for field in parent.fields:
            key = field.key.lower()
            if key == "title" and "booktitle" not in own:
                entry.fields.append(Field("booktitle", field.value))
            elif key not in own and key not in _NOT_INHERITED:
                entry.fields.append(Field(field.key, field.value))


def _check_bib_fields(library, lines: list[str], source: Source, report: Report) -> None:
    """Report and leave out fields that run into the next one (a comma missing after an
    unbraced value) and fields too long to decode."""
    for entry in library.entries:
        for field in list(entry.fields):
            if not isinstance(field.value, str):
                continue
            line = (field.start_line or 0) + 1
            where = source.at(line, _column_of(lines, line, field.key))
            unenclosed = getattr(field, "enclosing", None) == "no-enclosing"
            run_on = _RUN_ON.search(field.value) if unenclosed else None
            if run_on:
                report.error("reference-syntax", f"the field '{shorten(field.key)}' runs on "
                             f"into '{shorten(run_on[1])} ='", where,
                             "put a comma after each field's value")
            elif len(field.value) > MAX_BIB_FIELD:
                report.error("reference-too-long", f"the field '{shorten(field.key)}' is "
                             f"{len(field.value)} characters long; the limit is "
                             f"{MAX_BIB_FIELD}", where, "shorten it, or leave it out")
            else:
                continue
            entry.fields = [kept for kept in entry.fields if kept is not field]


def _column_of(lines: list[str], line: int, needle: str) -> int:
    if 0 < line <= len(lines):
        return lines[line - 1].find(needle) + 1 or 1
    return 1


def _bib_text(value) -> str:
    text = str(value)
    text = re.sub(r"(?<!\\)[{}]", "", text)
    return reftext.normalise_space(text.replace("\\&", "&").replace("~", " "))


def _bib_verbatim(value) -> str:
    """A verbatim field as written; a character escaped for LaTeX (\\&, \\%, \\_) is that
    character, as some tools write them even there."""
    return reftext.normalise_space(re.sub(r"\\([&%_#$~{}])", r"\1", str(value)))


@lru_cache(maxsize=1)
def _latex():
    from pylatexenc.latex2text import LatexNodes2Text
    return LatexNodes2Text()


def _bib_name_part(words: list[str]) -> str:
    text = " ".join(words)
    try:
        if _LATEX.search(text):
            text = _latex().latex_to_text(text)
    except Exception:  # noqa: BLE001 - keep the name as written rather than fail
        pass
    return _bib_text(text)


def _bib_names(value) -> tuple[Name, ...]:
    """Names split by bibtexparser; a name wholly in braces ({The King's Fund}) is an
    organisation's, kept whole."""
    if isinstance(value, str):
        return reftext.parse_names(_bib_name_part([value]))
    names = []
    for parts in value or []:
        whole = " ".join(parts.last)
        if not parts.first and not parts.von and not parts.jr and \
                whole.startswith("{") and whole.endswith("}"):
            names.append(Name(literal=_bib_name_part([whole[1:-1]])))
        else:
            names.append(Name(family=_bib_name_part(parts.last),
                              given=_bib_name_part(parts.first),
                              particle=_bib_name_part(parts.von),
                              suffix=_bib_name_part(parts.jr)))
    return tuple(names)


def _from_bibtex(entry, where: Source, report: Report) -> Reference:
    values = {k.lower(): f.value for k, f in entry.fields_dict.items()}
    fields: dict = {}
    for bib, name in _BIB_FIELDS.items():
        if bib in values and name not in fields:
            fields[name] = _bib_verbatim(values[bib]) if bib in _BIB_VERBATIM \
                else _bib_text(values[bib])
    if "page" in fields:
        fields["page"] = reftext.page_range(fields["page"])
    for bib, name in (("author", "authors"), ("editor", "editors")):
        if bib in values:
            fields[name] = _bib_names(values[bib])
    if "date" in values:
        fields["issued"] = reftext.parse_date(_bib_text(values["date"]))
    elif "year" in values:
        issued = reftext.parse_date(_bib_text(values["year"]))
        month = str(values.get("month", "")).strip()
        if issued and month.isdigit() and 1 <= int(month) <= 12:
            issued = (issued[0], int(month))
        fields["issued"] = issued
    if "urldate" in values:
        fields["accessed"] = reftext.parse_date(_bib_text(values["urldate"]))
    extra = tuple((csl, _bib_text(values[bib])) for bib, csl in sorted(_BIB_EXTRA.items())
                  if bib in values)
    kind = _BIB_TYPES.get(entry.entry_type.lower())
    if kind is None:
        report.warning("reference-type", f"BibTeX entry type '@{entry.entry_type}' is not "
                       "known; it is read as a document", where,
                       "use @article, @book, @incollection, @report, @online or @misc")
        kind = "document"
    if kind == "document" and fields.get("url") and not fields.get("publisher"):
        kind = "webpage"
    return Reference(key=entry.key, type=kind, source=where, extra=extra, format="bibtex",
                     **fields)


# ---- RIS -------------------------------------------------------------------------------

_RIS_TYPES = {"JOUR": "article-journal", "JFULL": "article-journal", "EJOUR": "article-journal",
              "MGZN": "article-magazine", "NEWS": "article-newspaper", "BOOK": "book",
              "EBOOK": "book", "EDBOOK": "book", "CHAP": "chapter", "ECHAP": "chapter",
              "RPRT": "report", "GOVDOC": "report", "THES": "thesis", "ELEC": "webpage",
              "WEB": "webpage", "BLOG": "post-weblog", "CONF": "paper-conference",
              "CPAPER": "paper-conference", "DATA": "dataset", "COMP": "software",
              "GEN": "document", "UNPB": "manuscript", "PAMP": "pamphlet"}
_RIS_LINE = lazyre.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def _read_ris(text: str, source: Source, report: Report) -> list[Reference]:
    import rispy

    records: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    misspaced = False
    start = 0
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        stripped = line.rstrip()
        tag = _RIS_LINE.match(stripped)
        if tag and tag.group(1) == "TY":
            if current is not None:
                report.error("reference-syntax", "this RIS record has no 'ER  -' line before "
                             "the next record", source.at(start, 1),
                             "end every record with a line 'ER  - '")
            current, start = [stripped], number
        elif tag and tag.group(1) == "ER":
            if current is None:
                report.error("reference-syntax", "'ER  -' without a record before it",
                             source.at(number, 1), "start each record with 'TY  - '")
            else:
                records.append((start, current + [stripped]))
                current = None
        elif current is not None:
            if not tag and re.match(r"^[A-Z][A-Z0-9] {0,3}-(?: |$)", stripped):
                report.error("reference-syntax", f"RIS tag line '{stripped[:20]}' is not "
                             "written as 'XX  - value'", source.at(number, 1),
                             "write the two-letter tag, two spaces, a hyphen and a space")
            current.append(stripped)
        elif re.match(r"^[A-Z][A-Z0-9] {0,3}-(?: |$)", stripped):
            if not misspaced:       # the whole file is written so, most likely: said once
                report.error("reference-syntax", f"RIS tag line '{stripped[:20]}' is not "
                             "written as 'XX  - value'", source.at(number, 1),
                             "write the two-letter tag, two spaces, a hyphen and a space")
            misspaced = True
        elif stripped:
            report.error("reference-syntax", "text outside a RIS record", source.at(number, 1),
                         "records start with 'TY  - ' and end with 'ER  - '")
    if current is not None:
        report.error("reference-syntax", "this RIS record has no 'ER  -' line",
                     source.at(start, 1), "end every record with a line 'ER  - '")
    out = []
    for start, record in records:
        where = source.at(start, 1)
        try:
            parsed = rispy.loads("\n".join(record) + "\n")
        except Exception as exc:  # noqa: BLE001 - the parser's own failures become a diagnostic
            report.error("reference-syntax", f"cannot read this RIS record: {exc}", where)
            continue
        if parsed:
            # AU and A1 both name the authors: in the order of their lines, which rispy
            # keeps apart
            tags = [_RIS_LINE.match(line) for line in record]
            authors = [(m.group(2) or "").strip() for m in tags
                       if m and m.group(1) in ("AU", "A1")]
            out.append(_from_ris(parsed[0], [a for a in authors if a], where, report))
    return out


def _from_ris(rec: dict, author_lines: list[str], where: Source, report: Report) -> Reference:
    def first(*keys) -> str:
        for key in keys:
            value = rec.get(key)
            if isinstance(value, list):
                value = value[0] if value else ""
            if value:
                return reftext.normalise_space(str(value))
        return ""

    authors = []
    for raw in author_lines:
        authors.extend(reftext.parse_names(raw) if ";" not in raw else
                       reftext.parse_names(raw.replace(";", " and ")))
    editors = []
    for raw in list(rec.get("secondary_authors") or []) + list(rec.get("editor") or []):
        editors.extend(reftext.parse_names(raw))
    pages = first("start_page")
    if pages and first("end_page"):
        pages = f"{pages}-{first('end_page')}"
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", first("doi"), flags=re.I)
    kind_code = first("type_of_reference").upper()
    kind = _RIS_TYPES.get(kind_code)
    if kind is None:
        report.warning("reference-type", f"RIS type '{kind_code}' is not known; it is read "
                       "as a document", where, "use JOUR, BOOK, CHAP, RPRT, ELEC or GEN")
        kind = "document"
    fields = dict(
        authors=tuple(authors), editors=tuple(editors),
        issued=reftext.parse_date(first("date", "year", "publication_year")),
        title=first("title", "primary_title"),
        container=first("secondary_title", "journal_name", "alternate_title3",
                        "alternate_title1", "alternate_title2"),
        publisher=first("publisher"), place=first("place_published"),
        volume=first("volume"), issue=first("number"), page=reftext.page_range(pages),
        edition=first("edition"), url=first("urls"), doi=doi,
        accessed=reftext.parse_date(first("access_date")))
    return Reference(key=first("id"), type=kind, source=where, format="ris", **fields)


# ---- plain text --------------------------------------------------------------------------

_MARKER = lazyre.compile(r"^\s*(?:\(?\d{1,4}[.)\]]|\[\d{1,4}\]|[-*•–])[\s\u00a0]+")


def _read_plain(text: str, source: Source, report: Report) -> list[Reference]:
    """One entry a line; a list marker (1. 1) [1] - * •) starts an entry, and in a file that
    uses markers, an unmarked line right below an entry continues it. Lines starting with '#'
    are comments."""
    lines = text.split("\n")
    marked = any(_MARKER.match(line) for line in lines)
    entries: list[tuple[int, int, str]] = []     # line, column, text
    previous_blank = True
    for number, line in enumerate(lines, start=1):
        if not reftext.normalise_space(line) or line.lstrip().startswith("#"):
            previous_blank = True
            continue
        marker = _MARKER.match(line)
        body = line[marker.end():] if marker else line
        column = (marker.end() if marker else len(line) - len(line.lstrip())) + 1
        if marked and not marker and not previous_blank and entries:
            n, c, t = entries[-1]
            entries[-1] = (n, c, t + " " + body)
        else:
            entries.append((number, column, body))
        previous_blank = False
    out = []
    for number, column, body in entries:
        where = source.at(number, column)
        written = reftext.normalise_space(body)
        fields = reftext.parse_entry(body)
        if fields is None:
            report.warning("reference-unparsed", "this entry could not be split into author, "
                           "year and title; it is kept as written", where,
                           "write it as: Author, A. (2020) Title. Publisher.")
            out.append(Reference(key="", type="document", source=where, raw=written,
                                 title=written, format="text"))
            continue
        kind = fields.pop("type", "document")
        out.append(Reference(key="", type=kind, source=where, format="text", **fields))
    return out


def assign_keys(refs: list[Reference]) -> list[Reference]:
    """Give entries without a key (plain text, RIS without ID, CSL without id) one made of
    the first author's family name and the year; the second entry with the same key gets
    'b', the third 'c', and so on (bailey2019, bailey2019b)."""
    from msgspec import structs

    taken = {ref.key for ref in refs if ref.key}
    counts: dict[str, int] = {}
    out = []
    for ref in refs:
        if ref.key:
            out.append(ref)
            continue
        fallback = (ref.raw or ref.title).split(" ")[0]
        base = reftext.key_base(ref.authors, ref.year, fallback)
        n = counts.get(base, 0)
        key = base if n == 0 else base + _letters(n)
        while key in taken:
            n += 1
            key = base + _letters(n)
        counts[base] = n + 1
        taken.add(key)
        if ref.raw:   # an in-text citation of an unparsed entry shows its first words
            ref = structs.replace(ref, authors=(Name(literal=reftext.first_words(ref.raw)),))
        out.append(structs.replace(ref, key=key))
    return out


def _letters(n: int) -> str:
    """1 -> 'b', 2 -> 'c', ... 24 -> 'z', 25 -> 'ba' (the first entry has no letter)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
        if n == 0:
            return out


# ---- what course.yaml says -------------------------------------------------------------

def course_references(doc, folder: Path, report: Report) -> dict:
    """The Course fields for `references:`, `citation_style:` and `references_page:`."""
    data = doc.data if isinstance(doc.data, dict) else {}
    value = data.get("references")
    paths = [(value, ("references",))] if isinstance(value, str) else \
        [(v, ("references", i)) for i, v in enumerate(value) if isinstance(v, str)] \
        if isinstance(value, list) else []
    refs: list[Reference] = []
    seen: set[Path] = set()
    for rel, key in paths:
        path = resolve_inside(folder, rel, doc.pos(key), report, "reference file")
        if path is not None and path not in seen:
            seen.add(path)
            refs.extend(units.run("references", path, report,
                                  lambda own, path=path: read_references(path, own)))
    style_name = data.get("citation_style")
    if isinstance(style_name, str) and style_name.strip():
        name, where = style_name.strip(), doc.pos(("citation_style",))
    else:
        name, where = DEFAULT_STYLE, doc.pos(())
    # Kept between builds like a lesson: course.yaml and the course's files are in the key,
    # the packaged styles' version in coursepack's own digest.
    style = units.run("style", folder / "course.yaml", report,
                      lambda own: find_style(name, where, folder, own), extra=name)
    page = data.get("references_page")
    return {"references": tuple(assign_keys(refs)), "references_named": bool(paths),
            "citation_style": style,
            "references_page": page if page in ("cited", "all") else "cited"}
