"""Raw HTML in lesson Markdown: kept when it is on an allow-list, removed (with a warning
saying what went) when it is not. Images are not on the list: Markdown images are checked
and packaged, raw ones could load from anywhere. A course may set `allow_raw_html: true` to take
responsibility for its HTML; it is then passed through and a warning says so."""

from __future__ import annotations

import re
from html import unescape as html_unescape

import nh3

from . import lazyre
from .diagnostics import Report, Source, shorten

TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
}
ATTRIBUTES = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href", "rel", "target"},     # target: "_blank" only (_keep_address)
    "pre": {"tabindex"},                 # tabindex: "0" only
    "ol": {"start", "reversed", "type"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "details": {"open"},
}
SCHEMES = {"http", "https", "mailto", "tel"}
_TAG = lazyre.compile(r"<\s*(/?)\s*([A-Za-z][\w-]*)([^>]*)>", re.S)
_ATTR = lazyre.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_SCHEME = lazyre.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


def check_raw(html: str, where: Source, report: Report) -> None:
    """Warn about each part of a raw HTML fragment that the allow-list will remove."""
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if name not in TAGS:
            if not match.group(1):
                hint = ("write images in Markdown, ![what it shows](path.png), so they are "
                        "packaged" if name == "img" else
                        "use Markdown, or an allowed tag such as <kbd> or <details>")
                report.warning("raw-html-removed", f"raw HTML <{name}> is removed", where, hint)
            continue
        allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(name, set())
        for attr, value in _ATTR.findall(match.group(3)):
            attr = attr.lower()
            if attr not in allowed or attr in _ONLY and value.strip("'\"") != _ONLY[attr]:
                report.warning("raw-html-removed", f"attribute '{attr}' of <{name}> is "
                               "removed", where, "event handlers, styles and scripts are "
                               "not allowed in lessons" if attr not in _ONLY else
                               f"only {attr}=\"{_ONLY[attr]}\" is kept")
            elif attr in ("href", "cite") and _unsafe(value.strip("'\"")):
                report.warning("raw-html-removed", f"unsafe address in <{name} {attr}> is "
                               "removed", where, "only http, https, mailto and tel links")
            elif attr in ("href", "cite") and _local(address := html_unescape(
                    value.strip("'\""))):
                report.warning("raw-html-removed", f"the address '{shorten(address)}' in "
                               f"<{name} {attr}> names no web page and is removed", where,
                               "link lessons in Markdown, [text](other.md), so the link is "
                               "checked and points into the package; give web pages in full")


def _unsafe(url: str) -> bool:
    scheme = _SCHEME.match(url)
    return bool(scheme) and scheme.group(1).lower() not in SCHEMES


def _local(url: str) -> bool:
    """An address without a scheme that is not a place in the page: a file (which the
    package does not have: raw HTML is not packaged) or another host without a scheme."""
    url = url.strip()
    return not _SCHEME.match(url) and not url.startswith("#")


_ONLY = {"target": "_blank", "tabindex": "0"}     # attributes allowed with one value


def _keep_address(tag: str, attr: str, value: str) -> str | None:
    if attr in ("href", "cite") and (_unsafe(value) or _local(value)):
        return None
    if attr in _ONLY and value != _ONLY[attr]:
        return None
    return value


# a link to a web page that does not open a new tab yet (the allow-list's output: one
# quoting style, and no link inside a link)
_WEB_LINK = lazyre.compile(r'<a\b(?=[^>]*\shref="https?://)(?![^>]*\starget=)([^>]*)>'
                           r'(.*?)</a>', re.S | re.I)


def clean(html: str, new_tab_note: str) -> str:
    """The lesson HTML with everything outside the allow-list removed. A link to a web page
    opens a new tab and says so (new_tab_note), as a Markdown link does: followed in place,
    it would take the learner out of the course."""
    html = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel=None, strip_comments=True, attribute_filter=_keep_address)
    def new_tab(m: re.Match) -> str:
        attrs = m.group(1) if " rel=" in m.group(1) else m.group(1) + ' rel="noopener"'
        return f'<a{attrs} target="_blank">{m.group(2)}{new_tab_note}</a>'
    return _WEB_LINK.sub(new_tab, html)
