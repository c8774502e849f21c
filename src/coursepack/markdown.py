"""Lesson Markdown (CommonMark) to HTML, with the checks that need the parsed document.

Each lesson is parsed once. Local links and images are resolved inside the course folder:
images become package assets, links to other lesson files become in-page links.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from msgspec import Struct, field

from . import citations, sanitize, units
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


@lru_cache(maxsize=1)
def _md():
    """The lessons' parser, made on first use (a build from cache needs none)."""
    from markdown_it import MarkdownIt
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    # Let every link through to _fix_link, which reports unsafe schemes with their line
    # instead of leaving the Markdown as silent text.
    md.validateLink = lambda url: True
    md.use(citations.plugin)
    for rule in ("fence", "code_block"):
        md.add_render_rule(rule, _focusable(md.renderer.rules[rule]))
    return md


def _focusable(render):
    """A code block's <pre>, reachable with the keyboard: a long line scrolls it sideways,
    which keyboard users can only do once it has the focus (WCAG 2.1.1)."""
    def rule(self, tokens, idx, options, env):
        return render(tokens, idx, options, env).replace("<pre>", '<pre tabindex="0">', 1)
    return rule


@lru_cache(maxsize=1)
def _md_fragment():
    """The parser of short texts (quiz prompts, options, feedback): no raw HTML."""
    from markdown_it import MarkdownIt
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.validateLink = lambda url: True
    return md


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
    """Make the lessons' parser now (imports and rules: tens of milliseconds)."""
    _md()


def process_lessons(course: Course, report: Report, cite: bool = True,
                    meanwhile: Callable[[], object] | None = None,
                    aside: bool = False) -> dict[str, LessonBody]:
    """Parse every lesson once; report problems; return the HTML body of each lesson.
    With cite False, citations are checked but not formatted, and unless the results are
    kept for a later build (units.remembering), no HTML is written. meanwhile: as in
    units.run_each.

    Lessons are parsed in a second process from SHARED_LESSONS of them. With aside, while
    the parser is not made yet, a second process parses them all, however few: making the
    parser (imports and rules) takes as long as parsing tens of lessons, and a rebuild after
    an edit may need it for nothing else, so this process does its next steps (meanwhile,
    which must be worth it) instead."""
    by_path = {lesson.path: lesson for lesson in course.lessons}
    links = units.links(course)
    lessons = course.lessons
    html = cite or units.remembering()
    work = [(lesson.path,
             lambda own, lesson=lesson: _process(lesson, course, by_path, own, html))
            for lesson in lessons]
    aside = aside and not _md.cache_info().currsize
    made = units.run_each("markdown", work, report, extra=links,
                          minimum=1 if aside else SHARED_LESSONS, meanwhile=meanwhile,
                          aside=aside)
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


def _render_filtered(tokens: list, env: dict) -> str:
    """The lesson's HTML with its raw HTML through the allow-list. The list has no <img> (raw
    images could load from anywhere), but the lesson's Markdown images are checked and
    packaged: they are set aside while the list does its work, then put back."""
    from markdown_it.token import Token
    md = _md()
    images: list[str] = []
    mark = f"\ue040{os.urandom(8).hex()}:"      # text no author can have written
    for token in tokens:
        children = token.children or []
        for n, child in enumerate(children):
            if child.type == "image":
                images.append(md.renderer.renderInline([child], md.options, {}))
                placeholder = Token("text", "", 0)
                placeholder.content = f"{mark}{len(images) - 1}\ue040"
                children[n] = placeholder
    html = sanitize.clean(md.renderer.render(tokens, md.options, env))
    return re.sub(re.escape(mark) + "(\\d+)\ue040", lambda m: images[int(m.group(1))], html)


# Text in which CommonMark finds nothing to mark up (no emphasis, code, link, HTML, entity,
# escape or line break; starting with a letter, so no block either): most quiz options and
# prompts. The parser would give it back as it is, so it is not parsed (the property tests
# hold the two to the same output).
_PLAIN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9 ,.;:?'%/()-]*")
# how a block other than a paragraph can start a one-line text: a list item, a heading, a
# quote, a code fence, a thematic break, or indented code
_BLOCK_START = re.compile(r"\s*(?:[-+*]\s|\d{1,9}[.)]\s|#{1,6}(?:\s|$)|>|```|~~~|"
                          r"(?:[-*_]\s*){3,}$)|\s{4}")


def render_fragment(text: str, lesson: Lesson, course: Course, body: LessonBody,
                    where: Source, report: Report, inline: bool = True) -> str:
    """A short Markdown text outside the lesson body (a quiz prompt, an option, feedback):
    links and images get the same checks, reported at `where`. Inline fragments stay phrasing
    content, so they can sit in a legend or a label."""
    if _PLAIN_TEXT.fullmatch(text):
        return text.strip() if inline else f"<p>{text.strip()}</p>"
    md = _md_fragment()
    if inline and (_BLOCK_START.match(text) or "\n" in text.strip()):
        blocks = [t.type for t in md.parse(text, {}) if t.level == 0]
        if blocks != ["paragraph_open", "paragraph_close"]:
            report.warning("quiz-text-blocks", "this text is shown on one line, but it has "
                           "paragraphs, a list, a heading, a quote or code blocks, which run "
                           "together there", where,
                           "keep it to one paragraph (inline Markdown is fine); put longer "
                           "material in a lesson before the quiz")
    tokens = md.parseInline(text, {}) if inline else md.parse(text, {})
    for token in tokens:
        leaving = []
        for n, child in enumerate(token.children or []):
            if child.type == "link_open":
                by_path = {other.path: other for other in course.lessons}
                if _fix_link(child, lesson, course, by_path, where, report):
                    leaving.append(n)
            elif child.type == "image":
                _fix_image(child, lesson, course, body, where, report)
        if leaving:
            _to_new_tabs(token.children, leaving, course.language)
    return md.renderer.render(tokens, md.options, {}).strip()


def plain_text(text: str) -> str:
    """A short Markdown text as plain text, spacing collapsed: what a select list shows."""
    if _PLAIN_TEXT.fullmatch(text):
        return " ".join(text.split())
    return text_of_html(_md_fragment().renderInline(text))


def text_of_html(fragment: str) -> str:
    """The text of an HTML fragment: tags left out, entities read, spacing collapsed, and
    the notes made for screen readers alone (a new tab, a blank) left out."""
    fragment = re.sub(r'<span class="cp-sr"[^>]*>[^<]*</span>', "", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", fragment)).split())


@lru_cache(maxsize=8)
def _lines(markdown: str) -> tuple[str, ...]:
    return tuple(markdown.split("\n"))


def _locate(lesson: Lesson, block_map, needle: str) -> Source:
    """The place of needle inside a block (markdown-it only gives block lines)."""
    first, last = block_map or (0, 0)
    lines = _lines(lesson.markdown)   # split once per lesson, not once per token
    for number in range(first, min(last, len(lines))):
        column = lines[number].find(needle) if needle else -1
        if column >= 0:
            return Source(lesson.source.file, lesson.body_line + number, column + 1)
    return Source(lesson.source.file, lesson.body_line + first, 1)


_CONTAINERS = ("blockquote_open", "list_item_open")   # blocks that hold blocks


def _process(lesson: Lesson, course: Course, by_path: dict[Path, Lesson],
             report: Report, html: bool = True) -> LessonBody:
    md = _md()
    tokens = md.parse(lesson.markdown)
    limit = md.options["maxNesting"]
    deep = next((t for t in tokens if t.level >= limit - 1 and t.type in _CONTAINERS), None)
    if deep is not None:   # markdown-it leaves out whatever lies deeper, without a word
        report.error("markdown-too-deep", f"lists and quotes nest more than {limit} levels "
                     "deep here; what lies deeper is left out", _locate(lesson, deep.map, ""),
                     "nest lists and block quotes less deeply")
    body = LessonBody("")
    last_level = 1
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            where = _locate(lesson, token.map, "")
            level = int(token.tag[1])
            if level == 1:
                report.warning("heading-h1", "lesson body uses a level-1 heading", where,
                               "the lesson title is the page's h1; start sections at '##'")
            elif level > last_level + 1:
                report.warning("heading-skip", f"heading jumps from level {last_level} "
                               f"to level {level}", where,
                               f"use '{'#' * (last_level + 1)}' here so screen-reader users "
                               "can follow the outline")
            last_level = level
            token.tag = f"h{min(level + 1, 6)}" if level == 1 else token.tag
            if i + 2 < len(tokens) and tokens[i + 2].type == "heading_close":
                tokens[i + 2].tag = token.tag
        if token.type == "html_block":
            body.raw_html = True
            if not course.allow_raw_html:
                sanitize.check_raw(token.content, _locate(lesson, token.map, ""), report)
        if token.type == "inline" and token.children:
            leaving = []
            for n, child in enumerate(token.children):
                if child.type == "html_inline":
                    body.raw_html = True
                    if not course.allow_raw_html:     # (a tag may run over several lines)
                        sanitize.check_raw(child.content, _locate(
                            lesson, token.map, child.content.split("\n")[0]), report)
                if child.type == "link_open":
                    spot = _locate(lesson, token.map, child.attrGet("href") or "")
                    if _fix_link(child, lesson, course, by_path, spot, report):
                        leaving.append(n)
                elif child.type == "image":
                    spot = _locate(lesson, token.map, child.attrGet("src") or "")
                    _fix_image(child, lesson, course, body, spot, report)
                elif child.type == "citation":
                    child.meta["n"] = len(body.cites)
                    body.cites.append(citations.Cite(
                        lesson.id, child.meta["cluster"],
                        _locate(lesson, token.map, child.content.split("\n")[0])))
            if leaving:
                _to_new_tabs(token.children, leaving, course.language)
    body.cite_mark = f"\ue041{os.urandom(8).hex()}:"     # text no author can have written
    env = {"cite": lambda n: f"{body.cite_mark}{n}\ue040"}
    if html:                   # (validate, with no cache to fill, reads no HTML)
        filtered = body.raw_html and not course.allow_raw_html
        body.html = (_render_filtered(tokens, env) if filtered
                     else md.renderer.render(tokens, md.options, env))
    if lesson.quiz is not None:      # here: the process that parses has the parser made
        from .quizzes import draft
        body.quiz_draft = draft(lesson, course, body)
    return body


def _local_target(lesson: Lesson, course: Course, url: str) -> str:
    """A URL written in a lesson, as a path relative to the course folder."""
    lesson_dir = lesson.path.parent.relative_to(course.root).as_posix()
    return posixpath.normpath(posixpath.join(lesson_dir, unquote(url)))


def _module_of(course: Course, lesson: Lesson) -> str:
    return next(m.id for m in course.modules if lesson in m.lessons)


def _fix_link(token, lesson, course, by_path, where: Source, report: Report) -> bool:
    """Check a link and point it into the package; True for a web page's address."""
    href = token.attrGet("href") or ""
    parts = urlsplit(href)
    if href.startswith("//"):
        report.error("unsafe-link", f"link '{shorten(href)}' has no scheme", where,
                     "write the full address, starting with https://")
        token.attrSet("href", "#")
        return False
    if parts.scheme:
        if parts.scheme.lower() not in _SAFE_SCHEMES:
            report.error("unsafe-link", f"link uses the '{shorten(parts.scheme)}:' scheme",
                         where, "only http, https, mailto and tel links are allowed")
            token.attrSet("href", "#")
            return False
        token.attrSet("rel", "noopener")
        return parts.scheme.lower() in ("http", "https")
    if href.startswith("#") or not parts.path:
        _check_anchor(parts.fragment, course, where, report)
        return False
    rel = _local_target(lesson, course, parts.path)
    target = resolve_inside(course.root, rel, where, report, "link target", written=parts.path)
    if target is None:
        return False
    if target in by_path:
        token.attrSet("href", "#" + lesson_anchor(by_path[target].id))
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


def _to_new_tabs(children: list, opening: list[int], language: str) -> None:
    """The links opening at these places open a new tab, and say so before they close: a
    web page followed in place would take the learner out of the course (in an LMS, out of
    its frame, ending the session)."""
    from markdown_it.token import Token
    for n in reversed(opening):
        children[n].attrSet("target", "_blank")
        close = next(m for m in range(n + 1, len(children)) if children[m].type == "link_close")
        note = Token("html_inline", "", 0)
        note.content = new_tab_note(language)
        children.insert(close, note)


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


def _fix_image(token, lesson, course, body: LessonBody, where: Source, report: Report) -> None:
    src = token.attrGet("src") or ""
    parts = urlsplit(src)
    alt = "".join(c.content for c in token.children or [])
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
    token.attrSet("src", href)
