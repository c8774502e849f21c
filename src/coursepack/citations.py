"""Citations in lesson Markdown, in the syntax pandoc users know:

    [@bailey2019]                 (Bailey, 2019)
    [@bailey2019, p. 4]           (Bailey, 2019, p. 4)
    [see @bailey2019; @west2019]  (see Bailey, 2019; West, 2019)
    [-@bailey2019]                (2019)            the author is not repeated
    @bailey2019 says ...          Bailey (2019) says ...
    @bailey2019 [p. 4] says ...   Bailey (2019, p. 4) says ...

`scan` finds them in the text of each lesson as it is parsed; `resolve` then checks the
keys against the course's references, has bibliography.py write each citation and reference
list, and records what the templates show.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape
from msgspec import Struct, field

from . import lazyre
from .diagnostics import Report, Source, shorten
from .model import Course, Reference
from .schema import did_you_mean

REFERENCES_ID = "references"        # the References page's place among the lessons

_KEY = r"(?:\{(?P<braced>[^{}\s]+)\}|(?P<plain>[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*[\w])?))"
_ITEM = lazyre.compile(r"^(?P<prefix>.*?)(?P<minus>-?)@" + _KEY + r"(?P<rest>.*)$", re.DOTALL)
_INTEXT = lazyre.compile(r"@" + _KEY)
_LOCATOR = lazyre.compile(
    r"^\s*(?P<label>pp?|pages?|chap|chapters?|ch|sec|sections?|§§?|paras?|paragraphs?|"
    r"figs?|figures?|vols?|volumes?|lines?|nos?|notes?)(?![^\W\d_])\.?\s*"
    r"(?P<value>[\w]+(?:\s*(?:[-–—]+|,\s*)\s*[\w]+)*)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_BARE_LOCATOR = lazyre.compile(r"^\s*(?P<value>\d+(?:\s*[-–—]+\s*\d+)?)(?P<rest>\s.*|)$", re.DOTALL)
_LABELS = {"p": "page", "pp": "page", "page": "page", "pages": "page", "chap": "chapter",
           "chapter": "chapter", "chapters": "chapter", "ch": "chapter", "sec": "section",
           "section": "section", "sections": "section", "§": "section", "§§": "section",
           "para": "paragraph", "paras": "paragraph", "paragraph": "paragraph",
           "paragraphs": "paragraph", "fig": "figure", "figs": "figure", "figure": "figure",
           "figures": "figure", "vol": "volume", "vols": "volume", "volume": "volume",
           "volumes": "volume", "line": "line", "lines": "line", "no": "issue",
           "nos": "issue", "note": "note", "notes": "note"}


class CiteItem(Struct, frozen=True):
    key: str
    locator: str = ""
    label: str = ""              # a CSL locator label: page, chapter, section, ...
    prefix: str = ""             # the author's words before the key, e.g. "see"
    suffix: str = ""             # and after the locator
    suppress_author: bool = False


class Cluster(Struct):
    """One citation as written: one or more items, in brackets or in the text."""
    items: tuple[CiteItem, ...]
    in_text: bool                # @key: the author's name is part of the sentence
    raw: str


class ListEntry(Struct, frozen=True):
    """One entry of a rendered reference list."""
    key: str
    id: str                      # HTML id: ref-KEY (References page), ref-LESSON-KEY (lesson)
    label: Markup                # "[1]" in numeric styles, else empty
    html: Markup


class ReferencesPage(Struct):
    """The course's References page: an article like a lesson's, listed last."""
    title: str
    entries: list[ListEntry] = field(default_factory=list)
    style: str = ""


# ---- syntax ----------------------------------------------------------------------------

def _key(m: re.Match) -> str:
    return m.group("braced") or m.group("plain")


def _parse_item(text: str) -> CiteItem | None:
    m = _ITEM.match(text)
    if m is None or "@" in m.group("prefix"):
        return None
    prefix = m.group("prefix").strip()
    if prefix and not re.search(r"\s$|^$", m.group("prefix")):
        return None          # "a@b": an e-mail address, not a citation
    locator, label, suffix = _split_locator(m.group("rest"))
    return CiteItem(_key(m), locator, label, prefix, suffix, bool(m.group("minus")))


def _split_locator(rest: str) -> tuple[str, str, str]:
    """', p. 4 and elsewhere' -> ('4', 'page', 'and elsewhere')."""
    rest = rest.strip()
    if not rest:
        return "", "", ""
    body = rest[1:] if rest.startswith(",") else rest
    m = _LOCATOR.match(body)
    if m:
        return (m.group("value").strip(), _LABELS[m.group("label").lower()],
                m.group("rest").strip())
    m = _BARE_LOCATOR.match(body)
    if m:
        return m.group("value").strip(), "page", m.group("rest").strip()
    return "", "", body.strip()


def _bracketed(src: str, start: int, end_max: int, escaped) -> tuple[Cluster, int] | None:
    end = src.find("]", start + 1, end_max)
    if end < 0 or "[" in src[start + 1:end] or "@" not in src[start + 1:end]:
        return None
    if end + 1 < end_max and src[end + 1] in "([" and end + 1 not in escaped:
        return None          # [text](url) or [text][ref]: a link
    items = []
    at = start + 1
    for part in src[start + 1:end].split(";"):
        item = _parse_item(part)
        if item is None or at + part.find("@") in escaped:     # \@: a written "@"
            return None
        items.append(item)
        at += len(part) + 1
    return Cluster(tuple(items), False, src[start:end + 1]), end + 1


def _in_text(src: str, start: int, end_max: int, escaped) -> tuple[Cluster, int] | None:
    if start > 0 and start - 1 not in escaped and \
            (src[start - 1].isalnum() or src[start - 1] in "._-+@"):
        return None
    m = _INTEXT.match(src, start, end_max)
    if m is None:
        return None
    cut = next((at for at in range(start + 1, m.end()) if at in escaped), None)
    if cut is not None:             # a key ends where HTML or an emphasis mark begins
        m = _INTEXT.match(src, start, cut)
        if m is None:
            return None
    pos = m.end()
    locator = label = suffix = ""
    after = re.match(r" ?\[([^\[\]@]*)\]", src[pos:end_max])
    if after and not (src[pos + after.end():pos + after.end() + 1] in ("(", "[")
                      and pos + after.end() not in escaped):
        locator, label, suffix = _split_locator(after.group(1))
        pos += after.end()
    item = CiteItem(_key(m), locator, label, "", suffix, False)
    return Cluster((item,), True, src[start:pos]), pos


_CITE_START = lazyre.compile(r"[\[@]")


def scan(text: str, escaped: frozenset[int] | set[int] = frozenset()
         ) -> list[tuple[int, int, Cluster]]:
    """The citations in a run of a lesson's text (outside links and code): (start, end,
    cluster) of each, in order. `escaped`: places of characters where no citation starts
    and no key in the text goes on: written escaped (\\@) or as entities, inline HTML,
    emphasis marks."""
    found = []
    pos, end_max = 0, len(text)
    while (m := _CITE_START.search(text, pos)) is not None:
        start = m.start()
        hit = None if start in escaped else \
            (_bracketed if text[start] == "[" else _in_text)(text, start, end_max, escaped)
        if hit is None:
            pos = start + 1
            continue
        cluster, pos = hit
        found.append((start, pos, cluster))
    return found


class Cite(Struct):
    """One citation in a lesson: as written, where, and its HTML once the style has run."""
    lesson_id: str
    cluster: Cluster
    where: Source
    html: Markup | None = None
    keys: tuple[Source, ...] = ()          # where each item's "@" is written, when known

    def shown(self) -> str:
        return str(self.html) if self.html is not None else str(escape(self.cluster.raw))

    def key_place(self, n: int) -> Source:
        """Where the n-th item's '@key' is written: as the parse found it, or the cluster's
        place moved along its text (one item per ';' inside brackets)."""
        if n < len(self.keys):
            return self.keys[n]
        raw, where = self.cluster.raw, self.where
        offset = raw.find("@")
        if raw.startswith("["):
            start = 1 + sum(len(part) + 1 for part in raw[1:-1].split(";")[:n])
            offset = raw.find("@", start)
        if offset < 0 or not where.line:
            return where
        before = raw[:offset]
        if "\n" not in before:
            return where.at(where.line, (where.column or 1) + offset)
        return where.at(where.line + before.count("\n"), offset - before.rfind("\n"))


# ---- checks and rendering ----------------------------------------------------------------

def _render_remembered(course: Course, listed: list[Reference], cites: list[Cite]
                       ) -> tuple[dict[str, list[ListEntry]], ReferencesPage]:
    """bibliography.render, or its stored result when nothing it reads has changed: the
    style, the references, every citation and which lessons keep their own list."""
    from . import cache

    if not cache.active():
        from . import bibliography
        return bibliography.render(course, listed, cites)
    import msgspec
    style = course.citation_style
    every_field = msgspec.msgpack.Encoder(enc_hook=str).encode     # paths as text
    key = cache.digest(cache.code_digest(), style.path.read_bytes(), style.numeric,
                       course.language, every_field(listed),
                       every_field([(cite.lesson_id, cite.cluster) for cite in cites]),
                       [(lesson.id, lesson.reference_list) for lesson in course.lessons])
    owner = cache.digest(str(course.root.resolve()))[:16]
    saved = cache.load("citations", f"{owner}-{key}")
    if saved is not None:
        for cite, html in zip(cites, saved["citations"]):
            cite.html = Markup(html)
        def entry(row):
            return ListEntry(row[0], row[1], Markup(row[2]), Markup(row[3]))
        lists = {k: [entry(e) for e in v] for k, v in saved["lists"].items()}
        page = saved["page"]
        return lists, ReferencesPage(page["title"], [entry(e) for e in page["entries"]],
                                     page["style"])
    from . import bibliography
    lists, page = bibliography.render(course, listed, cites)
    def row(e):
        return [e.key, e.id, str(e.label), str(e.html)]
    cache.store_latest("citations", owner, key, {
        "citations": [str(cite.html) for cite in cites],
        "lists": {k: [row(e) for e in v] for k, v in lists.items()},
        "page": {"title": page.title, "entries": [row(e) for e in page.entries],
                 "style": page.style}})
    return lists, page


def _some_keys(by_key: dict, shown: int = 8) -> str:
    """The first keys of the course's references, for a hint: derived keys (plain-text
    lists, RIS and CSL entries without one) are written nowhere else."""
    keys = [f"'{shorten(key, 40)}'" for key in list(by_key)[:shown]]
    more = len(by_key) - len(keys)
    return ", ".join(keys) + (f" and {more} more" if more > 0 else "")


def resolve(course: Course, cites: list[Cite], report: Report, render: bool = True
            ) -> tuple[dict[str, list[ListEntry]], ReferencesPage | None]:
    """Check every citation against the course's references; write each one's HTML. Returns
    each citing lesson's own reference list and the References page (None when there is
    nothing to list). With render False (validation) only the checks run: the style was
    checked when loaded, and formatting every entry is the slowest step of a build."""

    by_key: dict[str, Reference] = {}
    for ref in course.references:
        by_key.setdefault(ref.key, ref)
    cited: list[str] = []
    good_uses = []
    hints: dict[str, str] = {}          # an unknown key is often cited again, as written
    for cite in cites:
        ok = True
        for n, item in enumerate(cite.cluster.items):
            if item.key in by_key:
                if item.key not in cited:
                    cited.append(item.key)
                continue
            ok = False
            if item.key not in hints:
                hints[item.key] = did_you_mean(item.key, by_key)
            hint = hints[item.key] or (
                "the references' keys: " + _some_keys(by_key) + "; or add the work to the course's "
                "reference file" if course.references else
                "the reference files named in course.yaml gave no entries: see what was "
                "reported of them" if course.references_named else
                "list your references in a file named by 'references:' in course.yaml")
            report.error("unknown-citation", f"no reference has the key '{shorten(item.key)}'",
                         cite.key_place(n), hint)
        if ok:
            good_uses.append(cite)
    # A lesson left out for its errors may cite any of them: none is called uncited then.
    all_read = len({lesson.path for lesson in course.lessons}) >= len(course.lesson_files)
    if course.references_page != "all" and all_read:
        for ref in course.references:
            if ref.key not in cited and by_key.get(ref.key) is ref:
                report.warning("reference-not-cited", f"reference '{ref.key}' is never cited",
                               ref.source, f"cite it in a lesson with [@{ref.key}], remove "
                               "it, or set 'references_page: all' in course.yaml to list "
                               "every entry")
    listed = list(cited)
    if course.references_page == "all":
        listed += [ref.key for ref in course.references
                   if ref.key not in cited and by_key[ref.key] is ref]
    if not listed or course.citation_style is None or not render:
        return {}, None
    try:
        return _render_remembered(course, [by_key[k] for k in listed], good_uses)
    except Exception as exc:  # noqa: BLE001 - a style the processor cannot follow
        style = course.citation_style
        report.error("style-failed", f"the citation style '{style.name}' could not be "
                     f"applied: {type(exc).__name__} {exc}".rstrip(), style.source,
                     "try a packaged style such as harvard, apa or ieee")
        return {}, None
