"""CommonMark parsed by pulldown-cmark (through pyromark) and written as HTML here, laid out
as the CommonMark specification's examples are, with hooks where coursepack changes what is
written.

The parser gives a stream of events, each with its place in the source (UTF-8 byte
offsets); Writer walks it once, without recursion, so no nesting depth can exhaust the
stack. Lists and quotes nested more than MAX_NESTING deep are left out (and reported).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from urllib.parse import quote, urlsplit, urlunsplit

MAX_NESTING = 20     # lists and quotes inside one another
_CONTAINERS = {"BlockQuote": "blockquote", "Item": "li"}
_BREAKS = ("SoftBreak", "HardBreak")
# emphasis is written with the text around it (a run), so that a citation key may hold "_"
_EMPHASIS = {("Start", "Emphasis"): "<em>", ("End", "Emphasis"): "</em>",
             ("Start", "Strong"): "<strong>", ("End", "Strong"): "</strong>"}
_URL_CHAR = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]")


def events(text: str) -> list:
    """The parser's (event, place) pairs for a CommonMark text (no extensions), which is
    read as ending with a line break. NUL stands for U+FFFD, as the specification asks: in
    the events' text, not in the source, where its three bytes would shift later places."""
    import pyromark
    if not text.endswith("\n"):
        text += "\n"
    stream = list(pyromark.events_with_range(text))
    if "\0" in text:
        stream = [(_without_nul(event), where) for event, where in stream]
    return stream


def _without_nul(event):
    if type(event) is dict:
        kind, value = next(iter(event.items()))
        if type(value) is str:
            return {kind: value.replace("\0", "\ufffd")}
    return event


def element(value) -> str:
    """The name of the element a Start or End event is about: 'Paragraph', 'List', ..."""
    return value if isinstance(value, str) else next(iter(value))


def escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def normalize_link(url: str) -> str:
    """A link's address as written in HTML: a web host in ASCII (IDNA), characters that
    may not stand in a URL percent-encoded, escapes already there kept."""
    if not url.isascii():
        try:
            parts = urlsplit(url)
            if parts.hostname and not parts.hostname.isascii() and \
                    parts.scheme.lower() in ("http", "https", ""):
                host = parts.hostname.encode("idna").decode("ascii")
                netloc = parts.netloc.replace(parts.hostname, host, 1)
                url = urlunsplit(parts._replace(netloc=netloc))
        except (ValueError, UnicodeError):
            pass
    return _URL_CHAR.sub(lambda m: m.group() if len(m.group()) == 3 else
                         quote(m.group(), safe=""), url)


class Places:
    """Line and column (1-based, in characters) of the parser's byte offsets into a text."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8")
        self.starts = [0] + [m.end() for m in re.finditer(b"\n", self.data)]
        self._chars: dict[int, list[int] | None] = {}   # per line: where its characters start

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        if line not in self._chars:
            end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.data)
            text = self.data[start:end]
            self._chars[line] = None if text.isascii() else \
                [i for i, byte in enumerate(text) if byte & 0xC0 != 0x80]
        chars = self._chars[line]
        return line + 1, (offset - start if chars is None else
                          bisect_left(chars, offset - start)) + 1

    def text(self, where: dict) -> str:
        """The source text at an event's place."""
        return self.data[where["start"]:where["end"]].decode("utf-8", "replace")


def _inline_next(event) -> bool:
    """Whether an event after a list item's start is text (the item is tight)."""
    if isinstance(event, str):
        return event in ("SoftBreak", "HardBreak")
    kind = next(iter(event))
    if kind == "Start":
        value = event["Start"]
        name = element(value)
        return name in ("Emphasis", "Strong", "Link", "Image")
    return kind in ("Text", "Code", "InlineHtml")


class Writer:
    """HTML of a parsed text. Subclasses change headings, links,
    images, text and raw HTML through the hooks; `deeper` hears of a list or a quote nested
    more than MAX_NESTING deep, whose content is then left out."""

    code_attrs = ""             # attributes of every <pre>

    def __init__(self, raw_html: bool = True):
        self.raw_html = raw_html      # without: HTML in the text is shown as text

    # ---- hooks -------------------------------------------------------------------------

    def heading_tag(self, level: int, where: dict) -> str:
        return f"h{level}"

    def link(self, attrs: dict[str, str], where: dict, written: str) -> str:
        """A link's attributes (may be changed in place); returns HTML to put before </a>.
        written: its address as the source gives it, before encoding."""
        return ""

    def image(self, attrs: dict[str, str], where: dict, written: str) -> str:
        """An image's attributes (may be changed in place); returns its HTML."""
        return f"<img{_attrs(attrs)} />"

    def text(self, run: list, out: list[str], in_link: bool) -> None:
        """A run of text, soft line breaks, inline HTML and emphasis."""
        for event, where in run:
            out.append(self.piece(event, where))

    def piece(self, event, where: dict) -> str:
        """The HTML of one event of a run."""
        if event == "SoftBreak":
            return "\n"
        if event == "HardBreak":
            return "<br />\n"
        kind, value = next(iter(event.items()))
        if kind == "Text":
            return escape(value)
        if kind == "InlineHtml":
            return self.html(value, False, where)
        return _EMPHASIS[kind, value]

    def html(self, html: str, block: bool, where: dict) -> str:
        return html if self.raw_html else escape(html)

    def deeper(self, where: dict) -> None:
        pass

    # ---- the walk ----------------------------------------------------------------------

    def write(self, stream: list) -> str:
        out: list[str] = []
        closers: list[str] = []      # what each open element's End writes
        levels = 0                   # open lists and quotes
        run: list = []               # text waiting to be written
        links = 0                    # open links
        tight_text = False           # a tight item's text was just written: a block after
        count, i = len(stream), 0    # it starts on a new line
        while i < count:
            event, where = stream[i]
            i += 1
            if event in _BREAKS or (type(event) is dict and (
                    "Text" in event or "InlineHtml" in event or
                    event.get("Start", event.get("End")) in ("Emphasis", "Strong"))):
                run.append((event, where))
                continue
            if run:
                self.text(run, out, links > 0)
                run = []
                tight_text = closers[-1:] == ["</li>\n"]
            if type(event) is str:
                if event == "Rule":
                    out.append("\n<hr />\n" if tight_text else "<hr />\n")
                    tight_text = False
                continue
            kind, value = next(iter(event.items()))
            if kind == "Code":
                out.append(f"<code>{escape(value)}</code>")
                tight_text = closers[-1:] == ["</li>\n"]
            elif kind == "End":
                name = element(value)
                if name == "Link":
                    links -= 1
                elif name in ("List", "BlockQuote"):
                    levels -= 1
                out.append(closers.pop())
                tight_text = name == "Link" and closers[-1:] == ["</li>\n"]
            elif kind == "Start":
                name = element(value)
                lf = "\n" if tight_text else ""
                tight_text = False
                if name == "Paragraph":
                    out.append("<p>")
                    closers.append("</p>\n")
                elif name == "Link":
                    info = value["Link"]
                    url = info["dest_url"]
                    if info["link_type"] == "Email":
                        url = "mailto:" + url
                    attrs = {"href": normalize_link(url)}
                    if info["title"]:
                        attrs["title"] = info["title"]
                    after = self.link(attrs, where, info["dest_url"])
                    out.append(f"<a{_attrs(attrs)}>")
                    closers.append(f"{after}</a>")
                    links += 1
                elif name == "Image":
                    i = self._image(stream, i, value["Image"], where, out)
                    tight_text = closers[-1:] == ["</li>\n"]
                elif name == "Heading":
                    tag = self.heading_tag(int(value["Heading"]["level"][1]), where)
                    out.append(f"{lf}<{tag}>")
                    closers.append(f"</{tag}>\n")
                elif name in ("List", "BlockQuote") and levels >= MAX_NESTING:
                    self.deeper(where)
                    tag = "blockquote" if name == "BlockQuote" else \
                        "ul" if value["List"] is None else "ol"
                    out.append(f"{lf}<{tag}></{tag}>\n")
                    i = _skip(stream, i)
                elif name == "List":
                    start = value["List"]
                    tag = "ul" if start is None else "ol"
                    attrs = f' start="{start}"' if start is not None and start != 1 else ""
                    out.append(f"{lf}<{tag}{attrs}>\n")
                    closers.append(f"</{tag}>\n")
                    levels += 1
                elif name in _CONTAINERS:
                    tag = _CONTAINERS[name]
                    following = stream[i][0] if i < count else None
                    empty = following is not None and type(following) is dict and \
                        "End" in following
                    opens = (tag == "li" and following is not None and
                             _inline_next(following)) or empty
                    out.append(f"{lf}<{tag}>" if opens else f"{lf}<{tag}>\n")
                    closers.append(f"</{tag}>\n")
                    levels += tag == "blockquote"
                elif name == "CodeBlock":
                    block = value["CodeBlock"]
                    info = block.get("Fenced", "").strip() if isinstance(block, dict) else ""
                    attrs = f' class="language-{escape(info.split()[0])}"' if info else ""
                    code, i = _collect(stream, i, ("Text",))
                    out.append(f"<pre{self.code_attrs}><code{attrs}>{escape(code)}"
                               "</code></pre>\n")
                elif name == "HtmlBlock":
                    html, i = _collect(stream, i, ("Html", "Text"))   # Text: its indentation
                    out.append(self.html(html, True, where))
        if run:
            self.text(run, out, links > 0)
        return "".join(out)

    def _image(self, stream: list, i: int, info: dict, where: dict, out: list[str]) -> int:
        """An image: its description, as plain text, is its alt text."""
        alt: list[str] = []
        depth = 1
        while depth:
            event, _ = stream[i]
            i += 1
            if type(event) is str:
                alt.append("\n" if event in ("SoftBreak", "HardBreak") else "")
                continue
            kind, value = next(iter(event.items()))
            if kind in ("Text", "Code", "InlineHtml"):
                alt.append(value)
            elif kind == "Start" and element(value) == "Image":
                depth += 1
            elif kind == "End" and element(value) == "Image":
                depth -= 1
        attrs = {"src": normalize_link(info["dest_url"]), "alt": "".join(alt)}
        if info["title"]:
            attrs["title"] = info["title"]
        out.append(self.image(attrs, where, info["dest_url"]))
        return i


def _collect(stream: list, i: int, kinds: tuple[str, ...]) -> tuple[str, int]:
    """The text of a code or HTML block's events, up to its End."""
    parts = []
    while True:
        event, _ = stream[i]
        i += 1
        if "End" in event:
            return "".join(parts), i
        kind, value = next(iter(event.items()))
        if kind in kinds:
            parts.append(value)


def _skip(stream: list, i: int) -> int:
    """Past the End of the element whose Start is just before i."""
    depth = 1
    while depth:
        event, _ = stream[i]
        i += 1
        if type(event) is dict:
            if "Start" in event:
                depth += 1
            elif "End" in event:
                depth -= 1
    return i


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {name}="{escape(value)}"' for name, value in attrs.items())
