"""Find what a web page, stylesheet or script loads from hosts outside its package.

Only references that make a browser fetch something count: a `<script src>`, a stylesheet,
an image, a CSS `url()`, a `fetch()` in a script. Plain links the learner may follow
(`<a href>`) and XML namespace names are not fetched, so they are left alone.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from msgspec import Struct

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".svg")
CSS_SUFFIXES = (".css",)
JS_SUFFIXES = (".js", ".mjs")
SUFFIXES = HTML_SUFFIXES + CSS_SUFFIXES + JS_SUFFIXES
FETCHING_SCHEMES = ("http", "https", "ftp", "ws", "wss")

# Attributes whose URL the browser loads, by element.
LOADING = {
    "script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "frame": ("src",),
    "embed": ("src",), "object": ("data",), "video": ("src", "poster"), "audio": ("src",),
    "source": ("src", "srcset"), "track": ("src",), "input": ("src",), "link": ("href",),
    "base": ("href",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
}
# <link rel> values that name a related page rather than load a resource.
NOT_LOADED = {"alternate", "author", "bookmark", "canonical", "help", "license", "me",
              "next", "prev", "search"}

# A quoted url() ends at its quote, an unquoted one holds no '(' (CSS escapes it), and a
# quoted @import holds no line break or '@': so a match attempt stops where the next one
# would start, and hostile text (thousands of 'url(' in a row) is scanned in linear time.
CSS_URL = re.compile(r"""url\(\s*(?:(['"])([^'"\n]+)\1|([^'"()\s]+))\s*\)"""
                     r"""|@import\s+(['"])([^'"\n@]+)\4""", re.I)
CSS_SKIPPED = re.compile(r"/\*.*?\*/|@namespace[^;]*;", re.S | re.I)
JS_LOAD = re.compile(
    r"""(?:\bimport\s*\(\s*|\bfrom\s+|\bimport\s+|\bimportScripts\s*\(\s*|\bfetch\s*\(\s*"""
    r"""|\bnew\s+(?:WebSocket|EventSource|Worker|SharedWorker)\s*\(\s*|\bsendBeacon\s*\(\s*"""
    r"""|\.src\s*=\s*|\.open\s*\(\s*['"][A-Za-z]+['"]\s*,\s*"""
    r"""|setAttribute\s*\(\s*['"](?:src|href)['"]\s*,\s*|\bsrc\s*=\s*\\?)"""
    r"""(['"`])([^'"`\s\\]+)""")


class Reference(Struct, frozen=True):
    """A URL on another host, where it is (1-based line and column) and what loads it."""

    line: int
    column: int
    url: str
    what: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or self.url


def is_outside(url: str) -> bool:
    """True for a URL that names a host: 'https://cdn.example.org/x.js', '//cdn/x.js'."""
    url = url.strip()
    if url.startswith("//"):
        return len(url) > 2
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in FETCHING_SCHEMES and bool(parts.netloc)


def _position(text: str, offset: int, line: int = 1, column: int = 1) -> tuple[int, int]:
    """The line and column of offset in text, when text starts at (line, column)."""
    before = text.count("\n", 0, offset)
    if before == 0:
        return line, column + offset
    return line + before, offset - text.rfind("\n", 0, offset)


def scan_css(text: str, line: int = 1, column: int = 1) -> list[Reference]:
    blanked = CSS_SKIPPED.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    found = []
    for match in CSS_URL.finditer(blanked):
        group = next(g for g in (2, 3, 5) if match.group(g))
        url, start = match.group(group), match.start(group)
        what = "CSS @import" if group == 5 else "CSS url()"
        if is_outside(url):
            found.append(Reference(*_position(text, start, line, column), url, what))
    return found


def scan_js(text: str, line: int = 1, column: int = 1) -> list[Reference]:
    return [Reference(*_position(text, m.start(2), line, column), m.group(2), "script")
            for m in JS_LOAD.finditer(text) if is_outside(m.group(2))]


UNFINISHED_LIMIT = 4096     # characters of a construct left open that close() may retry


class _PageScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Reference] = []
        self._inside: str | None = None

    def _add(self, url: str, what: str) -> None:
        if is_outside(url):
            line, offset = self.getpos()
            self.found.append(Reference(line, offset + 1, url.strip(), what))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag if tag in ("script", "style") else None
        self.handle_startendtag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        skip = tag == "link" and set(values.get("rel", "").lower().split()) & NOT_LOADED
        for name in LOADING.get(tag, ()):
            if name not in values or skip:
                continue
            urls = [part.split()[0] for part in values[name].split(",") if part.split()] \
                if name == "srcset" else [values[name]]
            for url in urls:
                self._add(url, f"<{tag} {name}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self._add(re.sub(r"^[^;]*;\s*url\s*=\s*", "", values.get("content", ""), flags=re.I),
                      "<meta refresh>")
        if values.get("style"):
            line, offset = self.getpos()
            self.found += [Reference(line, offset + 1, r.url, "style attribute")
                           for r in scan_css(values["style"])]

    def handle_endtag(self, tag: str) -> None:
        self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside is None:
            return
        line, offset = self.getpos()
        scan = scan_css if self._inside == "style" else scan_js
        self.found += scan(data, line, offset + 1)


def scan_html(text: str) -> list[Reference]:
    scanner = _PageScanner()
    scanner.feed(text)
    # What the parser holds back is a construct left open at the end: a tag, a comment or a
    # script. close() would try it again from each '<' in it, in time that grows with the
    # square of its length (thousands of '<img src="' in a row took minutes). A browser
    # reads a tag or comment left open as running to the end, loading nothing from it; a
    # script or style left open is still scanned.
    rest = scanner.rawdata
    if len(rest) <= UNFINISHED_LIMIT:
        scanner.close()
    elif scanner._inside is not None:
        scanner.handle_data(rest)
    return scanner.found


def scan(name: str, data: bytes) -> list[Reference]:
    """Every reference to another host in one file, by the kind its name says it is."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    lower = name.lower()
    if lower.endswith(HTML_SUFFIXES):
        return scan_html(text)
    if lower.endswith(CSS_SUFFIXES):
        return scan_css(text)
    if lower.endswith(JS_SUFFIXES):
        return scan_js(text)
    return []
