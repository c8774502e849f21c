"""Citations and reference lists written in a CSL style by citeproc-py, as safe HTML.

citeproc-py writes source text into its output as it is, so every text field is escaped
into private-use placeholders before it goes in; the only markup that can come out is the
formatter's own (i, b, sup, sub, span) and CSL rich text from the sources (<i>, <b>, <sup>,
<sub>), and anything else is escaped on the way out. The output is then tidied the way a
careful editor would (no '?.', '..' or ',.'; italics that flip inside italics; en dashes in
page ranges), URLs and DOIs become links, and each cited item links to its entry.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from markupsafe import Markup, escape

from . import parallel
from .citations import REFERENCES_ID, Cite, Cluster, ListEntry, ReferencesPage
from .languages import new_tab_note
from .model import Course, Name, Reference

# Placeholders used while text is inside citeproc (private-use characters).
_AMP, _LT, _GT = "\ue020", "\ue021", "\ue022"
_RICH_OPEN, _RICH_CLOSE = "\ue023", "\ue024"     # around a tag name from CSL rich text
_LINK, _LINK_MID, _LINK_END = "\ue000", "\ue001", "\ue002"
_NO_AUTHOR = "\ue010"                            # stands in for the names of an item
_RICH = re.compile(r"<(/?)(i|b|sup|sub)>|<span class=\"nocase\">|</span>")
_CITATIONS = object()          # a task of render(): the citations, apart from the entries
SHARED_ENTRIES = 60            # from this much work, a second process writes some entries


def _protect(text: str) -> str:
    return text.replace("&", _AMP).replace("<", _LT).replace(">", _GT)


def _source_text(text: str) -> str:
    """A field's text for citeproc: CSL rich text kept (coded), everything else protected."""
    out, pos = [], 0
    for m in _RICH.finditer(text):
        out.append(_protect(text[pos:m.start()]))
        if m.group(2):
            out.append(f"{_RICH_OPEN}{m.group(1)}{m.group(2)}{_RICH_CLOSE}")
        else:
            out.append(m.group(0))           # nocase spans: citeproc-py reads these itself
        pos = m.end()
    out.append(_protect(text[pos:]))
    return "".join(out)


def _formatter():
    from citeproc.formatter import html

    def wrapper(tag: str, css: str = ""):
        return type(f"Tag_{tag}_{css}", (html.TagWrapper,),
                    {"tag": tag, "attributes": {"class": css} if css else None})

    return SimpleNamespace(
        preformat=lambda text: _protect(str(text)),
        Italic=wrapper("i"), Oblique=wrapper("i"), Bold=wrapper("b"),
        Light=wrapper("span", "cp-light"), Underline=wrapper("span", "cp-underline"),
        Superscript=wrapper("sup"), Subscript=wrapper("sub"),
        SmallCaps=wrapper("span", "cp-smallcaps"))


FORMATTER = _formatter()


# ---- the CSL data ------------------------------------------------------------------------

def _csl_name(name: Name) -> dict:
    if name.literal:
        return {"literal": _protect(name.literal)}
    out = {"family": _protect(name.family)}
    if name.given:
        out["given"] = _protect(name.given)
    if name.particle:
        out["non-dropping-particle"] = _protect(name.particle)
    if name.suffix:
        out["suffix"] = _protect(name.suffix)
    return out


def csl_item(ref: Reference, item_id: str, year_suffix: str = "") -> dict:
    """The CSL-JSON item citeproc-py reads for one reference."""
    item: dict = {"id": item_id, "type": ref.type}
    for csl, value in ref.extra:
        item[csl] = _source_text(value)
    for csl, value in (("title", ref.title), ("container-title", ref.container),
                       ("publisher", ref.publisher), ("publisher-place", ref.place),
                       ("volume", ref.volume), ("issue", ref.issue), ("page", ref.page),
                       ("edition", ref.edition), ("URL", ref.url), ("DOI", ref.doi)):
        if value:
            item[csl] = _source_text(value)
    if ref.authors:
        item["author"] = [_csl_name(n) for n in ref.authors]
    if ref.editors:
        item["editor"] = [_csl_name(n) for n in ref.editors]
    if ref.issued:
        item["issued"] = {"date-parts": [list(ref.issued)]}
    if ref.accessed:
        item["accessed"] = {"date-parts": [list(ref.accessed)]}
    if year_suffix:
        item["year-suffix"] = year_suffix
    return item


def _year_suffixes(refs: list[Reference], style) -> dict[str, str]:
    """'2019a', '2019b' for works by the same authors in the same year, when the style asks
    for that (citeproc-py does not disambiguate by itself)."""
    citation = style.root.find("{http://purl.org/net/xbiblio/csl}citation")
    if citation is None or citation.get("disambiguate-add-year-suffix") != "true":
        return {}
    groups: dict[tuple, list[Reference]] = {}
    for ref in refs:
        if ref.year and ref.authors:
            groups.setdefault((tuple(n.short.lower() for n in ref.authors), ref.year),
                              []).append(ref)
    out = {}
    for group in groups.values():
        if len(group) > 1:
            for i, ref in enumerate(sorted(group, key=lambda r: r.title.lower())):
                out[ref.key] = "abcdefghijklmnopqrstuvwxyz"[i % 26]
    return out


def locale_for(language: str, style_path: Path) -> str:
    """The CSL locale nearest the course's language: en-GB, else en-US for en, else the
    style's default, else en-US."""
    from citeproc import LOCALES_PATH
    available = {p.stem.removeprefix("locales-") for p in Path(LOCALES_PATH).glob("locales-*.xml")}
    lang = language.split("-")[0].lower()
    tag = "-".join([lang] + [p.upper() if len(p) == 2 else p for p in language.split("-")[1:]])
    if tag in available:
        return tag
    primary = {"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "pt": "pt-PT",
               "zh": "zh-CN", "sv": "sv-SE", "nb": "nb-NO", "da": "da-DK"}.get(lang)
    if primary in available:
        return primary
    matches = sorted(a for a in available if a.split("-")[0] == lang)
    return matches[0] if matches else "en-US"


@lru_cache(maxsize=16)
def punctuation_in_quote(style_path: Path, locale: str, version: int = 0) -> bool:
    """Whether commas and full stops go inside closing quotes (American usage): the style's
    own locale settings win over the locale file's. (version: the style file's mtime, so an
    edited style is read again.)"""
    from citeproc import LOCALES_PATH
    from lxml import etree
    csl = "{http://purl.org/net/xbiblio/csl}"
    for path, where in ((style_path, f"{csl}locale/{csl}style-options"),
                        (Path(LOCALES_PATH) / f"locales-{locale}.xml", f"{csl}style-options")):
        try:
            root = etree.parse(str(path), etree.XMLParser(no_network=True)).getroot()
        except (OSError, etree.XMLSyntaxError):
            continue
        for options in root.iterfind(where):
            if options.get("punctuation-in-quote") is not None:
                return options.get("punctuation-in-quote") == "true"
    return False


@lru_cache(maxsize=16)
def load_style(path: Path, locale: str, version: int = 0):
    from citeproc import CitationStylesStyle
    from . import citeproc_fixes, citeproc_memo
    citeproc_fixes.install()
    citeproc_memo.install()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(str(path), locale=locale, validate=False)


def prepare(course: Course) -> None:
    """Read the course's style and locale now, ahead of render (which finds them cached)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography  # noqa: F401
    from citeproc.source.json import CiteProcJSON  # noqa: F401
    style_info = course.citation_style
    locale = locale_for(course.language, style_info.path)
    version = style_info.path.stat().st_mtime_ns
    load_style(style_info.path, locale, version)
    punctuation_in_quote(style_info.path, locale, version)


# ---- rendering -----------------------------------------------------------------------------

def render(course: Course, listed: list[Reference], uses: list[Cite]
           ) -> tuple[dict[str, list[ListEntry]], ReferencesPage]:
    """Write every citation (into its .html), each citing lesson's list and
    the References page. `listed` is every reference to list: cited first, in order of first
    citation, then (references_page: all) the rest."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    style_info = course.citation_style
    locale = locale_for(course.language, style_info.path)
    version = style_info.path.stat().st_mtime_ns
    style = load_style(style_info.path, locale, version)
    inside = punctuation_in_quote(style_info.path, locale, version)
    ids = {ref.key: f"r{i}" for i, ref in enumerate(listed)}
    refs = {ref.key: ref for ref in listed}
    suffixes = _year_suffixes(listed, style)
    items = [csl_item(ref, ids[ref.key], suffixes.get(ref.key, "")) for ref in listed]
    bib = CitationStylesBibliography(style, CiteProcJSON(items), FORMATTER)

    def citation(cluster: Cluster):
        cites = []
        for n, item in enumerate(cluster.items):
            extra = {}
            if item.locator:
                extra["locator"] = Locator(item.label or "page", item.locator)
            prefix = _protect(item.prefix + " ") if item.prefix else ""
            suffix = _protect(" " + item.suffix) if item.suffix else ""
            cites.append(CitationItem(ids[item.key], prefix=f"{prefix}{_LINK}{n}{_LINK_MID}",
                                      suffix=f"{_LINK_END}{suffix}", **extra))
        return Citation(cites)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cite in uses:
            bib.register(citation(cite.cluster))
        cited = {i.key for cite in uses for i in cite.cluster.items}
        rest = [k for k in ids if k not in cited]
        if rest:
            bib.register(Citation([CitationItem(ids[k]) for k in rest]))
        # The list's entries are written from these items: citeproc-py keeps the first
        # citation's (its locator would stand for the work's pages), so they are made anew,
        # as the work alone.
        works = Citation([CitationItem(item.key) for item in bib.items])
        works.bibliography = bib
        bib.items = list(works.cites)
        # Each entry is written on its own, so only its number (citation-number) can depend
        # on the list's order. Without numbers, the entries are written in the order cited
        # while the list is sorted, with the citations (which link to its anchors).
        sort_later = not style_info.numeric and not _shows_numbers(style)
        if not sort_later:
            bib.sort()
    keys_by_id = {v: k for k, v in ids.items()}
    pending = list(bib.items)          # the entries to write, in this order

    lesson_lists: dict[str, list[str]] = {}
    for cite in uses:
        keys = lesson_lists.setdefault(cite.lesson_id, [])
        keys.extend(i.key for i in cite.cluster.items if i.key not in keys)
    own = {lesson.id for lesson in course.lessons if lesson.reference_list}
    note = new_tab_note(course.language)

    def entry(item) -> tuple[str, str]:
        """One entry of the list, as its label (numeric styles) and its text."""
        key = keys_by_id[item.key]
        rendered = style.render_bibliography([item])
        text = str(rendered[0]) if rendered else _protect(refs[key].title)
        label, body = _split_label(text) if style_info.numeric else ("", text)
        if refs[key].raw:
            body = _protect(refs[key].raw)
        return _finish(label), _finish(body, note, inside)

    # A citation of one work, in a style that never words a citation by the ones before it
    # (no position: 'ibid.', 'op. cit.'), depends on nothing but that work: such citations
    # are pieces of their own, which a second process may share. The others (several works,
    # ordered by the list's order; every one in a style with positions) are written with
    # the list's order, in the order first used.
    seen: dict = {}                       # the citations written so far, by cluster

    def text(cluster: Cluster) -> str:
        return _cite_text(bib, style, style_info.numeric, cluster, citation, ids, items,
                          inside, seen)

    clusters = list({_cluster_key(cite.cluster): cite.cluster for cite in uses}.values())
    positions = _uses_positions(style)
    apart = [c for c in clusters if not positions and len(c.items) == 1]
    together = [c for c in clusters if positions or len(c.items) > 1]

    def write_citations() -> tuple[list[str], dict, list[str]]:
        """The list's order and anchors, then the citations written with them."""
        if sort_later:
            bib.sort()
        order = [keys_by_id[item.key] for item in bib.items]
        anchors = _anchors(course, order, {k: v for k, v in lesson_lists.items() if k in own})
        return order, anchors, [text(cluster) for cluster in together]

    # The entries and the citations of one work may be shared with a second process
    # (parallel.share), which takes pieces from the back: the citations of one work come
    # last. The rest of the citations are one piece, right after the first entry, so this
    # process takes it first. A citation counts as the work of about half an entry towards
    # the threshold for sharing.
    at = min(1, len(pending))        # after the first entry, which is written before a fork
    work = [*pending[:at], _CITATIONS, *pending[at:], *apart]
    weights = [len(together) / 2 if task is _CITATIONS else
               0.5 if isinstance(task, Cluster) else 1.0 for task in work]

    def piece(task):
        if task is _CITATIONS:
            return write_citations()
        return text(task) if isinstance(task, Cluster) else entry(task)
    with warnings.catch_warnings():      # a forked child keeps the filter it was made with
        warnings.simplefilter("ignore")
        done = parallel.share(piece, work, weights, minimum=SHARED_ENTRIES)
    order, anchors, written = done.pop(at)
    texts = dict(zip(map(_cluster_key, together), written))
    texts.update(zip(map(_cluster_key, apart), done[len(pending):]))
    for cite in uses:
        scope = cite.lesson_id if cite.lesson_id in own else REFERENCES_ID
        hrefs = {i.key: "#" + anchors[(scope, i.key)] for i in cite.cluster.items}
        cite.html = _cite_html(texts[_cluster_key(cite.cluster)], cite.cluster, hrefs, refs,
                               style)
    entries = {keys_by_id[item.key]: (Markup(label), Markup(body))
               for item, (label, body) in zip(pending, done)}

    lists = {}
    for lesson_id, keys in lesson_lists.items():
        if lesson_id in own:
            wanted = set(keys)
            lists[lesson_id] = [ListEntry(k, anchors[(lesson_id, k)], *entries[k])
                                for k in order if k in wanted]
    page = ReferencesPage("References", [ListEntry(k, anchors[(REFERENCES_ID, k)], *entries[k])
                                         for k in order], style_info.title)
    return lists, page


def _cluster_key(cluster: Cluster) -> tuple:
    """What a citation's text depends on: its works as cited and whether it is in the text."""
    return cluster.items, cluster.in_text


def _uses_positions(style) -> bool:
    """Whether the style words a citation by the ones before it ('ibid.', 'subsequent')."""
    return _has(style, "//cs:*[@position]")


def _shows_numbers(style) -> bool:
    """Whether the style writes a work's number anywhere (citation-number), which depends on
    the reference list's order."""
    return _has(style, "//cs:*[@variable='citation-number']")


def _has(style, path: str) -> bool:
    """Whether any element of the style matches path (XPath, cs: the CSL namespace)."""
    return bool(style.root.xpath(path, namespaces={"cs": "http://purl.org/net/xbiblio/csl"}))


def _anchors(course: Course, order: list[str], lists: dict[str, list[str]]
             ) -> dict[tuple[str, str], str]:
    """HTML ids, unique in the page: ref-KEY on the References page, ref-LESSON-KEY in a
    lesson's own list; characters other than letters, digits, '_' and '-' become '-'."""
    taken = {f"lesson-{lesson.id}" for lesson in course.lessons}
    taken |= {f"lesson-{lesson.id}-title" for lesson in course.lessons}
    out: dict[tuple[str, str], str] = {}
    wanted = [(REFERENCES_ID, k) for k in order]
    for lesson_id, keys in lists.items():
        listed = set(keys)
        wanted += [(lesson_id, k) for k in order if k in listed]
    for scope, key in wanted:
        safe = re.sub(r"[^A-Za-z0-9_-]", "-", key)
        base = f"ref-{safe}" if scope == REFERENCES_ID else f"ref-{scope}-{safe}"
        anchor, n = base, 1
        while anchor in taken:
            n += 1
            anchor = f"{base}-{n}"
        taken.add(anchor)
        out[(scope, key)] = anchor
    return out


def _cite_text(bib, style, numeric: bool, cluster: Cluster, make_citation, ids, items,
               inside: bool, seen: dict) -> str:
    """A citation's text before its links go in; the same citation written twice is
    rendered once (seen: the texts rendered so far for this bibliography)."""
    key = _cluster_key(cluster)
    if key in seen:
        return seen[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        suppress = [i.key for i in cluster.items if i.suppress_author or cluster.in_text]
        if suppress and not numeric:
            text = _without_authors(style, items, ids, suppress, make_citation(cluster), bib)
        else:
            citation = make_citation(cluster)
            citation.bibliography = bib
            text = bib.cite(citation, lambda item: None)
    seen[key] = _finish(text, None, inside)
    return seen[key]


def _cite_html(text: str, cluster: Cluster, hrefs: dict[str, str], refs, style) -> Markup:
    """A citation's HTML: its text with each work linked to its entry (hrefs), or for one
    in the text, the authors' names and the text linked together."""
    html = text
    for n, item in enumerate(cluster.items):
        link = f'<a class="cp-cite" href="{escape(hrefs[item.key])}">'
        html = html.replace(f"{_LINK}{n}{_LINK_MID}", "" if cluster.in_text else link, 1)
        html = html.replace(_LINK_END, "" if cluster.in_text else "</a>", 1)
    if cluster.in_text:
        item = cluster.items[0]
        names = escape(_narrative_names(refs[item.key].authors, style) or
                       refs[item.key].title)
        href = escape(hrefs[item.key])
        html = f'<a class="cp-cite" href="{href}">{names} {html}</a>'
    return Markup(f'<span class="cp-citation">{html}</span>')


def _without_authors(style, items, ids, keys: list[str], citation, bib) -> str:
    """The citation with the named items' authors left out, as '(2019, p. 4)': the items are
    rendered with a stand-in name that is then removed with its delimiter. Only they are read
    again; every other work is the bibliography's own, as read once."""
    from citeproc import CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    wanted = {ids[k] for k in keys}
    variants = []
    for item in items:
        if item["id"] in wanted:
            item = dict(item, author=[{"literal": _NO_AUTHOR}])
            item.pop("editor", None)
            variants.append(item)
    source = CiteProcJSON([])
    source.update(bib.source)
    source.update(CiteProcJSON(variants))
    scratch = CitationStylesBibliography(style, source, FORMATTER)
    scratch.register(citation)
    scratch.keys, scratch.items = list(bib.keys), list(bib.items)
    text = str(scratch.cite(citation, lambda item: None))
    return re.sub(rf"(?:<[^>]+>)*{_NO_AUTHOR}(?:</[^>]+>)*(?:,|:)?\s?", "", text)


def _narrative_names(authors: tuple[Name, ...], style) -> str:
    """'Bailey', 'Bailey and West', 'Smith et al.' as a sentence names them, with the
    style's et-al rule for citations."""
    names = [n.short for n in authors if n.short]
    if not names:
        return ""
    citation = style.root.find("{http://purl.org/net/xbiblio/csl}citation")
    try:
        et_al_min = int(citation.get("et-al-min", "0"))
        use_first = int(citation.get("et-al-use-first", "1"))
    except (TypeError, ValueError):
        et_al_min, use_first = 0, 1
    if et_al_min and len(names) >= et_al_min:
        return ", ".join(names[:max(use_first, 1)]) + " et al."
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _split_label(text: str) -> tuple[str, str]:
    """'[1]S. Bailey, ...' -> ('[1]', 'S. Bailey, ...'): citeproc-py drops the CSL
    display="left-margin" block, so numeric styles' labels run into the entry."""
    m = re.match(r"^((?:<[^>]+>)*[\[(]?\d+[\])]?\.?(?:</[^>]+>)*)\s*", text)
    return (m.group(1), text[m.end():]) if m else ("", text)


# ---- the finishing passes ------------------------------------------------------------------

_ALLOWED_TAG = re.compile(r"</?(?:i|b|sup|sub)>|<span class=\"cp-(?:light|underline|smallcaps)\">"
                          r"|</span>")
_CLOSERS = r"(?:</(?:i|b|sup|sub|span)>|[’”»\"'])*"


def _finish(text: str, new_tab_note: str | None = None, inside: bool = False) -> str:
    """citeproc-py output -> safe, tidy HTML (link sentinels are left for the caller). With
    new_tab_note, web addresses and DOIs become links that open a new tab, saying so."""
    text = _only_known_tags(str(text))
    text = _rich_text(text)
    text = tidy(text, inside)
    text = text.replace(_AMP, "&amp;").replace(_LT, "&lt;").replace(_GT, "&gt;")
    return _linkify(text, new_tab_note) if new_tab_note is not None else text


def _only_known_tags(text: str) -> str:
    out, pos = [], 0
    for m in re.finditer(r"<[^<>]*>|[<>&]", text):
        out.append(text[pos:m.start()])
        token = m.group(0)
        out.append(token if _ALLOWED_TAG.fullmatch(token) else _protect(token))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _rich_text(text: str) -> str:
    """CSL rich text from the sources back into tags; an <i> inside italics flips to roman
    (the italic is closed around it), as CSL's flip-flop rule asks. A tag without its
    partner is shown as the text it was."""
    if _RICH_OPEN not in text:
        return text
    text = _unpaired_as_text(text)
    out, depth, pos = [], 0, 0
    pattern = re.compile(rf"<(/?)i>|{_RICH_OPEN}(/?)(i|b|sup|sub){_RICH_CLOSE}")
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        if m.group(0).startswith("<"):           # the style's own italics
            depth += -1 if m.group(1) else 1
            out.append(m.group(0))
        elif m.group(3) == "i" and depth > 0:    # source italics inside styled italics
            out.append("<i>" if m.group(2) else "</i>")
        else:
            out.append(f"<{m.group(2)}{m.group(3)}>")
    out.append(text[pos:])
    return re.sub(r"<i></i>", "", "".join(out))


def _unpaired_as_text(text: str) -> str:
    coded = re.compile(rf"{_RICH_OPEN}(/?)(i|b|sup|sub){_RICH_CLOSE}")
    stack: list[re.Match] = []
    unpaired: set[int] = set()
    for m in coded.finditer(text):
        if not m.group(1):
            stack.append(m)
        elif stack and stack[-1].group(2) == m.group(2):
            stack.pop()
        else:
            unpaired.add(m.start())
    unpaired |= {m.start() for m in stack}
    return coded.sub(lambda m: f"{_LT}{m.group(1)}{m.group(2)}{_GT}"
                     if m.start() in unpaired else m.group(0), text)


@lru_cache(maxsize=2)
def _tidy_rules(punctuation_in_quote: bool) -> list[tuple[re.Pattern, str]]:
    """tidy's substitutions, compiled once per process."""
    c = _CLOSERS
    rules = [
        (r"<(i|b)>\s*</\1>", ""),
        (rf"([?!])({c})\.(?!\.)", r"\1\2"),            # 'ready to learn?.'
        (rf"(?<!\.)\.({c})\.(?!\.)", r".\1"),           # '..'
        (rf",({c})\.", r"\1."),                         # ',.'
        (rf"([,;:])({c})\1", r"\1\2"),                  # ',,'
        (r"\.([’”])([,;:])", r"\1\2"),                  # 'things.’,'
        (r"\(\s*\)", ""),
        (r"[ \u00a0]+([.,;:])(?!\d)", r"\1"),
        (r"  +", " "),
        # 'pp. 45-67'
        (r"\b(pp?\.\s*[A-Za-z]?\d+)\s*(?:--?|‐|‑|—)\s*([A-Za-z]?\d+)", "\\1–\\2"),
    ]
    if punctuation_in_quote:
        rules += [(r"([?!])”[.,]", r"\1”"), (r"”([.,])", r"\1”")]
    return [(re.compile(pattern), replacement) for pattern, replacement in rules]


def tidy(html: str, punctuation_in_quote: bool = False) -> str:
    """The punctuation a careful editor fixes in processor output. With
    punctuation_in_quote (American usage), a comma or full stop after a closing double
    quote moves inside it."""
    for pattern, replacement in _tidy_rules(punctuation_in_quote):
        html = pattern.sub(replacement, html)
    return html.strip()


_URL = re.compile(r"https?://[^\s<>\"]+")
_DOI = re.compile(r"(?<=doi: )10\.\d{4,9}/[^\s<>\"]+|(?<=doi:)10\.\d{4,9}/[^\s<>\"]+", re.I)


def _linkify(html: str, note: str) -> str:
    """http(s) addresses and bare DOIs in an entry's text become links (to a new tab, with
    note saying so)."""
    parts = re.split(r"(<[^>]+>)", html)
    for i in range(0, len(parts), 2):
        parts[i] = _link_text(parts[i], note)
    return "".join(parts)


def _link_text(text: str, note: str) -> str:
    out, pos = [], 0
    for m in sorted(list(_URL.finditer(text)) + list(_DOI.finditer(text)), key=lambda m: m.start()):
        if m.start() < pos:
            continue
        shown = m.group(0)
        while shown and shown[-1] in ".,;:)]" and not (shown[-1] == ")" and "(" in shown):
            shown = shown[:-1]
        end = m.start() + len(shown)
        target = shown.replace("&amp;", "&")
        href = target if target.startswith("http") else "https://doi.org/" + target
        out.append(text[pos:m.start()])
        out.append(f'<a href="{escape(href)}" rel="noopener" target="_blank">{shown}{note}</a>')
        pos = end
    out.append(text[pos:])
    return "".join(out)
