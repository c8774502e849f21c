"""Lesson Markdown (CommonMark) to HTML, with the checks that need the parsed document.

Each lesson is parsed once. Local links and images are resolved inside the course folder:
images become package assets, links to other lesson files become in-page links.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from msgspec import Struct, field

from . import citations, commonmark, sanitize, units
from .diagnostics import Report, Source, shorten
from .languages import new_tab_note
from .load.files import resolve_inside
from .media import asset_href
from .model import Asset, Course, Lesson

_SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
# what browsers show in <img>: a page, a script or a course source is no image (and would
# ship a file that loads from elsewhere, or the course's own sources)
IMAGE_TYPES = frozenset({".png", ".jpg", ".jpeg", ".jfif", ".gif", ".webp", ".avif", ".apng",
                         ".svg", ".bmp", ".ico"})
SHARED_LESSONS = 24      # from this many lessons to parse, a second process parses part


class LessonBody(Struct):
    html: str
    assets: list[Asset] = field(default_factory=list)
    references: list[citations.ListEntry] = field(default_factory=list)  # the lesson's list
    cites: list = field(default_factory=list)                  # until filled in
    cite_mark: str = ""                                        # marks their places
    page: citations.ReferencesPage | None = None               # only the References page's
    quiz: object = None                                        # a quizzes.QuizView
    quiz_draft: object = None                # worked out with the lesson (quizzes.draft)
    raw_html: bool = False                                     # has HTML of its own


def lesson_anchor(lesson_id: str) -> str:
    return f"lesson-{lesson_id}"


def prepare() -> None:
    """Load the parser now, while a second process may be at work."""
    import pyromark  # noqa: F401, PLC0415


def process_lessons(course: Course, report: Report, cite: bool = True,
                    meanwhile: Callable[[], object] | None = None) -> dict[str, LessonBody]:
    """Parse every lesson once; report problems; return the HTML body of each lesson.
    With cite False, citations are checked but not formatted, and unless the results are
    kept for a later build (units.remembering), no HTML is written. meanwhile: as in
    units.run_each.

    Lessons are parsed in a second process from SHARED_LESSONS of them."""
    by_path = {lesson.path: lesson for lesson in course.lessons}
    links = units.links(course)
    lessons = course.lessons
    html = cite or units.remembering()
    work = [(lesson.path,
             lambda own, lesson=lesson: _process(lesson, course, by_path, own, html))
            for lesson in lessons]
    made = units.run_each("markdown", work, report, extra=links, minimum=SHARED_LESSONS,
                          meanwhile=meanwhile)
    bodies: dict[str, LessonBody] = {}
    cites: list[citations.Cite] = []
    for lesson, body in zip(lessons, made):
        bodies[lesson.id] = body
        cites += body.cites
    lists, page = citations.resolve(course, cites, report, render=cite)
    for lesson_id, body in bodies.items():
        if body.cites:
            first, *rest = body.html.split(body.cite_mark)
            out = [first]
            for part in rest:        # each part: "<n>\ue040" and the text up to the next
                n, _, after = part.partition("\ue040")
                out += [body.cites[int(n)].shown(), after]
            body.html = "".join(out)
        body.cites = []
        body.references = lists.get(lesson_id, [])
    if page is not None and citations.REFERENCES_ID not in bodies:
        bodies[citations.REFERENCES_ID] = LessonBody("", page=page)
    return bodies


# Text in which CommonMark finds nothing to mark up (no emphasis, code, link, HTML, entity,
# escape or line break; starting with a letter, so no block either): most quiz options and
# prompts. The parser would give it back as it is, so it is not parsed (the property tests
# hold the two to the same output).
_PLAIN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9 ,.;:?'%/()-]*")

# What starts a block other than a paragraph on a line of a short text that stays on one
# line: each is escaped there, so that it reads as the text it is ("1. " stays "1. ")
_LINE_BLOCK = re.compile(r"^(?:\d{1,9}(?=[.)](?:\s|$))|(?=[-+*](?:\s|$)|#{1,6}(?:\s|$)|[>=<]"
                         r"|\[[^\]\n]*\]:|```|~~~|(?:[-*_][ \t]*){3,}$))", re.M)


def _one_line(text: str) -> str:
    """A short text with every block start on its lines escaped and indentation removed."""
    text = re.sub(r"^[ \t]+", "", text, flags=re.M)
    return _LINE_BLOCK.sub(lambda m: m.group(0) + "\\", text)


class _FragmentWriter(commonmark.Writer):
    """A quiz text: HTML shown as text; links and images checked, reported at `where`."""

    def __init__(self, lesson, course, body, where: Source | None, report: Report | None):
        super().__init__(raw_html=False)
        self.lesson, self.course, self.body = lesson, course, body
        self.where, self.report = where, report

    def link(self, attrs, where, written) -> str:
        if self.report is None:
            return ""
        by_path = {other.path: other for other in self.course.lessons}
        return _link(attrs, self.lesson, self.course, by_path, self.where, self.report)

    def image(self, attrs, where, written) -> str:
        if self.report is not None:
            _fix_image(attrs, self.lesson, self.course, self.body, self.where, self.report)
        return super().image(attrs, where, written)

    def html(self, html: str, block: bool, where: dict) -> str:
        """HTML shown as text. A block of it is read as Markdown that happens to start with
        a tag: its tags are text, the rest is Markdown as anywhere else."""
        if not block:
            return commonmark.escape(html)
        return self.write(commonmark.events(re.sub(r"^([ \t]*)<", r"\1\\<", html,
                                                   flags=re.M)))


def _blocks(stream: list) -> list[str]:
    """The names of a text's outermost blocks."""
    names, depth = [], 0
    for event, _ in stream:
        if type(event) is dict:
            if "Start" in event:
                if depth == 0:
                    value = event["Start"]
                    names.append(commonmark.element(value))
                depth += 1
            elif "End" in event:
                depth -= 1
        elif depth == 0:
            names.append(event)          # a thematic break
    return names


def render_fragment(text: str, lesson: Lesson, course: Course, body: LessonBody,
                    where: Source, report: Report, inline: bool = True) -> str:
    """A short Markdown text outside the lesson body (a quiz prompt, an option, feedback):
    links and images get the same checks, reported at `where`. Inline fragments stay phrasing
    content, so they can sit in a legend or a label."""
    if _PLAIN_TEXT.fullmatch(text):
        return text.strip() if inline else f"<p>{text.strip()}</p>"
    writer = _FragmentWriter(lesson, course, body, where, report)
    if not inline:
        return writer.write(commonmark.events(text)).strip()
    return _inline_html(text, writer, report, where)


def _inline_html(text: str, writer: commonmark.Writer, report: Report | None,
                 where: Source | None) -> str:
    text = text.strip()
    stream = commonmark.events(text)
    if _blocks(stream) != ["Paragraph"]:
        if report is not None and "\n" in text:        # (one line is shown as written)
            report.warning("quiz-text-blocks", "this text is shown on one line, but it has "
                           "paragraphs, a list, a heading, a quote or code blocks, which run "
                           "together there", where,
                           "keep it to one paragraph (inline Markdown is fine); put longer "
                           "material in a lesson before the quiz")
        stream = commonmark.events(_one_line(text))
    html = writer.write(stream).strip()
    return re.sub(r"</p>\n<p>", "\n", html).removeprefix("<p>").removesuffix("</p>")


def plain_text(text: str) -> str:
    """A short Markdown text as plain text, spacing collapsed: what a select list shows."""
    if _PLAIN_TEXT.fullmatch(text):
        return " ".join(text.split())
    return text_of_html(_inline_html(text, _FragmentWriter(None, None, None, None, None),
                                     None, None))


def text_of_html(fragment: str) -> str:
    """The text of an HTML fragment: tags left out, entities read, spacing collapsed, and
    the notes made for screen readers alone (a new tab, a blank) left out."""
    fragment = re.sub(r'<span class="cp-sr"[^>]*>[^<]*</span>', "", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", fragment)).split())


_MAY_CITE = re.compile(r"[\[@]")


class _LessonWriter(commonmark.Writer):
    """A lesson's HTML, checked as it is written: headings, raw HTML, links, images and
    citations, each reported where it is written."""

    code_attrs = ' tabindex="0"'   # a long line scrolls sideways: keyboard users need focus

    def __init__(self, lesson: Lesson, course: Course, by_path: dict, body: LessonBody,
                 report: Report):
        super().__init__(raw_html=True)
        self.lesson, self.course, self.by_path = lesson, course, by_path
        self.body, self.report = body, report
        self.places = commonmark.Places(lesson.markdown)
        self.last_level = 1
        self.images: list[str] = []
        self.image_mark = f"\ue040{os.urandom(8).hex()}:"      # text no author can write
        self.too_deep = False

    def source(self, offset: int, column: bool = True) -> Source:
        line, col = self.places.at(offset)
        return Source(self.lesson.source.file, self.lesson.body_line + line - 1,
                      col if column else 1)

    def _spot(self, where: dict, needle: str) -> Source:
        """Where a link's or an image's address is written, else where it starts."""
        written = self.places.text(where)
        found = written.find(needle) if needle else -1
        start = where["start"]
        if found > 0:
            start += len(written[:found].encode("utf-8"))
        return self.source(start)

    def heading_tag(self, level: int, where: dict) -> str:
        spot = self.source(where["start"], column=False)
        if level == 1:
            self.report.warning("heading-h1", "lesson body uses a level-1 heading", spot,
                                "the lesson title is the page's h1; start sections at '##'")
        elif level > self.last_level + 1:
            self.report.warning("heading-skip", f"heading jumps from level {self.last_level} "
                                f"to level {level}", spot,
                                f"use '{'#' * (self.last_level + 1)}' here so screen-reader "
                                "users can follow the outline")
        self.last_level = level
        return "h2" if level == 1 else f"h{level}"

    def html(self, html: str, block: bool, where: dict) -> str:
        self.body.raw_html = True
        if not self.course.allow_raw_html:
            sanitize.check_raw(html, self.source(where["start"], column=not block),
                               self.report)
        return html

    def link(self, attrs: dict, where: dict, written: str) -> str:
        spot = self._spot(where, written)
        return _link(attrs, self.lesson, self.course, self.by_path, spot, self.report)

    def image(self, attrs: dict, where: dict, written: str) -> str:
        """Set aside until the raw HTML, if any, has been through the allow-list (which
        lets no <img> through: raw images could load from anywhere)."""
        _fix_image(attrs, self.lesson, self.course, self.body, self._spot(where, written),
                   self.report)
        self.images.append(super().image(attrs, where, written))
        return f"{self.image_mark}{len(self.images) - 1}\ue040"

    def deeper(self, where: dict) -> None:
        if not self.too_deep:
            self.too_deep = True
            self.report.error("markdown-too-deep", "lists and quotes nest more than "
                              f"{commonmark.MAX_NESTING} levels deep here; what lies deeper "
                              "is left out", self.source(where["start"], column=False),
                              "nest lists and block quotes less deeply")

    def text(self, run: list, out: list[str], in_link: bool) -> None:
        """The run as written, each citation in it marked for its HTML to come."""
        if in_link or not any(type(event) is dict and _MAY_CITE.search(
                event.get("Text", event.get("InlineHtml", ""))) for event, _ in run):
            return super().text(run, out, in_link)
        found = find_citations(run, self.places.data)
        if not found.spans:
            return super().text(run, out, in_link)
        chars, pieces, spans = found.chars, found.pieces, found.spans
        n = 0                                   # the first span not passed yet
        for k, (event, where) in enumerate(run):
            begin = pieces[k][0]
            end = pieces[k + 1][0] if k + 1 < len(pieces) else len(chars)
            pos = begin
            while pos < end:
                while n < len(spans) and spans[n][1] <= pos:
                    n += 1
                if n < len(spans) and spans[n][0] <= pos:        # inside a citation
                    if spans[n][0] == pos:
                        self._cite(spans[n], found, out)
                    pos = min(spans[n][1], end)
                    continue
                stop = min(spans[n][0], end) if n < len(spans) else end
                if (pos, stop) == (begin, end) or event in ("SoftBreak", "HardBreak"):
                    out.append(self.piece(event, where))
                else:                        # text, or HTML that a citation ends in
                    out.append(commonmark.escape(chars[pos:stop]))
                pos = stop

    def _cite(self, span: tuple, found: "Found", out: list[str]) -> None:
        start, _, cluster = span
        out.append(f"{self.body.cite_mark}{len(self.body.cites)}\ue040")
        keys = []                      # where each item's "@" is written
        at = start + 1 if not cluster.in_text else start
        for part in (cluster.raw[1:-1].split(";") if not cluster.in_text else [""]):
            keys.append(self.source(found.offset(at + part.find("@") if part else at)))
            at += len(part) + 1
        self.body.cites.append(citations.Cite(self.lesson.id, cluster,
                                              self.source(found.offset(start)),
                                              keys=tuple(keys)))


class Found(Struct):
    """A run of a lesson's text, read for citations (see find_citations)."""
    chars: str                       # its text
    pieces: list                     # (place in chars, byte offset, written as it reads)
    spans: list                      # the citations: (start, end, cluster)

    def offset(self, at: int) -> int:
        """The byte offset in the source of the character at `at`."""
        index = bisect_right(self.pieces, (at, float("inf"))) - 1
        begin, offset, verbatim = self.pieces[index]
        return offset + (len(self.chars[begin:at].encode("utf-8")) if verbatim else 0)


def find_citations(run: list, source: bytes) -> Found:
    """A run's text and the citations in it as citations.scan gives them, each holding
    whole emphasis only (so the HTML around it stays whole). No citation starts inside
    inline HTML or at a character written escaped (\\@) or as an entity, and an in-text
    key ends where inline HTML or an emphasis mark begins."""
    parts: list[str] = []
    escaped: set[int] = set()
    pieces = []
    marks = []                       # emphasis marks: (place in the text, +1 opens, -1 closes)
    length, covered = 0, -1
    for event, where in run:
        start, end = where["start"], where["end"]
        if type(event) is str:                         # a line break
            piece = "\n"
        elif "Text" in event or "InlineHtml" in event:
            piece = event.get("Text", event.get("InlineHtml"))
        else:                                          # emphasis: its marks, as written
            width = 1 if "Emphasis" in event.values() else 2
            start, end = (start, start + width) if "Start" in event else (end - width, end)
            piece = source[start:end].decode("utf-8", "replace")
            marks.append((length, 1 if "Start" in event else -1))
            escaped.update(range(length, length + len(piece)))
        verbatim = end - start == len(piece.encode("utf-8"))
        if type(event) is dict and "InlineHtml" in event:
            escaped.update(range(length, length + len(piece)))
        elif type(event) is dict and "Text" in event:
            if not verbatim:
                escaped.update(range(length, length + len(piece)))
            elif start > 0 and start - 1 > covered and source[start - 1] == 0x5C:   # "\"
                escaped.add(length)
        pieces.append((length, start, verbatim))
        parts.append(piece)
        length += len(piece)
        covered = end - 1
    chars = "".join(parts)
    spans = citations.scan(chars, escaped)
    if marks and spans:
        spans = [span for span in spans if _balanced(marks, span)]
    return Found(chars, pieces, spans)


def _balanced(marks: list[tuple[int, int]], span: tuple) -> bool:
    """Whether a citation's text holds whole emphasis only (both its marks, or neither)."""
    depth = 0
    for at, step in marks[bisect_left(marks, (span[0], -2)):]:
        if at >= span[1]:
            break
        depth += step
        if depth < 0:
            return False
    return depth == 0


def _process(lesson: Lesson, course: Course, by_path: dict[Path, Lesson],
             report: Report, html: bool = True) -> LessonBody:
    body = LessonBody("")
    body.cite_mark = f"\ue041{os.urandom(8).hex()}:"     # text no author can have written
    writer = _LessonWriter(lesson, course, by_path, body, report)
    written = writer.write(commonmark.events(lesson.markdown))
    if body.raw_html and not course.allow_raw_html:
        written = sanitize.clean(written, new_tab_note(course.language))
    if writer.images:
        written = re.sub(re.escape(writer.image_mark) + "(\\d+)\ue040",
                         lambda m: writer.images[int(m.group(1))], written)
    body.html = written if html else ""          # (validate, with no cache to fill)
    if lesson.quiz is not None:      # here: the process that parses has the parser loaded
        from .quizzes import draft
        body.quiz_draft = draft(lesson, course, body)
    return body


def _local_target(lesson: Lesson, course: Course, url: str) -> str:
    """A URL written in a lesson, as a path relative to the course folder."""
    lesson_dir = lesson.path.parent.relative_to(course.root).as_posix()
    return posixpath.normpath(posixpath.join(lesson_dir, unquote(url)))


def _module_of(course: Course, lesson: Lesson) -> str:
    return next(m.id for m in course.modules if lesson in m.lessons)


def _link(attrs: dict, lesson, course, by_path, where: Source, report: Report) -> str:
    """Check a link and point it into the package. A web page opens in a new tab, and the
    link says so before it closes (returned): followed in place, it would take the learner
    out of the course (in an LMS, out of its frame, ending the session)."""
    if not _fix_link(attrs, lesson, course, by_path, where, report):
        return ""
    attrs["target"] = "_blank"
    return new_tab_note(course.language)


def _fix_link(attrs: dict, lesson, course, by_path, where: Source, report: Report) -> bool:
    """Check a link and point it into the package; True for a web page's address."""
    href = attrs.get("href", "")
    parts = urlsplit(href)
    if href.startswith("//"):
        report.error("unsafe-link", f"link '{shorten(href)}' has no scheme", where,
                     "write the full address, starting with https://")
        attrs["href"] = "#"
        return False
    if parts.scheme:
        if parts.scheme.lower() not in _SAFE_SCHEMES:
            report.error("unsafe-link", f"link uses the '{shorten(parts.scheme)}:' scheme",
                         where, "only http, https, mailto and tel links are allowed")
            attrs["href"] = "#"
            return False
        attrs["rel"] = "noopener"
        return parts.scheme.lower() in ("http", "https")
    if href.startswith("#") or not parts.path:
        _check_anchor(parts.fragment, course, where, report)
        return False
    rel = _local_target(lesson, course, parts.path)
    target = resolve_inside(course.root, rel, where, report, "link target", written=parts.path)
    if target is None:
        return False
    if target in by_path:
        attrs["href"] = "#" + lesson_anchor(by_path[target].id)
        if course.sco == "per-module" and _module_of(course, lesson) != \
                _module_of(course, by_path[target]):
            report.error("link-across-scos", f"link to '{shorten(parts.path)}', a lesson of "
                         "another module: with 'sco: per-module' each module is launched on "
                         "its own", where,
                         "link within the module, or name the other module in words")
    elif target not in course.lesson_files:  # a listed lesson that failed reports itself
        report.error("link-to-file", f"link to '{shorten(parts.path)}' is not a lesson of "
                     "this course", where,
                     "link to a lesson file listed in course.yaml, or to a web page")
    return False


def _check_anchor(fragment: str, course: Course, where: Source, report: Report) -> None:
    """A link to a place in the page must name one the page has: a lesson's (headings and
    the lessons' own HTML carry no ids, unless the course allows raw HTML)."""
    if not fragment or course.allow_raw_html:
        return
    name = unquote(fragment)
    known = {lesson_anchor(other.id) for other in course.lessons}
    if name in known or name == lesson_anchor(citations.REFERENCES_ID) or name.startswith("ref-"):
        return                  # (ref-...: a reference list's entries, made after parsing)
    report.warning("anchor-missing", f"the page has no place named '#{shorten(name)}'", where,
                   "link to a lesson by its file, [text](other.md); headings carry no anchors")


def _fix_image(attrs: dict, lesson, course, body: LessonBody, where: Source,
               report: Report) -> None:
    src = attrs["src"]
    parts = urlsplit(src)
    alt = attrs["alt"]
    if not alt.strip():
        report.warning("image-alt", f"image '{shorten(src)}' has no alternative text", where,
                       "describe the image: ![what it shows](path.png)")
    if parts.scheme or src.startswith("//"):
        report.error("external-resource", f"image '{shorten(src)}' is loaded from outside the "
                     "package", where,
                     "download the image into the course folder and link it by path")
        return
    rel = _local_target(lesson, course, parts.path)
    path = resolve_inside(course.root, rel, where, report, "image", written=parts.path)
    if path is None:
        return
    if path.suffix.lower() not in IMAGE_TYPES:
        report.error("not-an-image", f"'{shorten(src)}' is not an image file", where,
                     "an image is a " + ", ".join(sorted(IMAGE_TYPES)) + " file: a page, a "
                     "document or a course source cannot be shown as one")
        return
    href = asset_href(course, path)
    body.assets.append(Asset(path, href))
    attrs["src"] = href
