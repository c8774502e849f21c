"""Render the course to files in memory: pages from Jinja2 templates plus the runtime."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from jinja2 import (BytecodeCache, ChoiceLoader, Environment, FileSystemLoader, PrefixLoader,
                    StrictUndefined, TemplateError, select_autoescape)
from jinja2.bccache import Bucket
from markupsafe import Markup
from msgspec import Struct

from . import cache, parallel, units
from .diagnostics import Report, Source, display_path, shorten
from .languages import language_marks, text_direction
from .markdown import LessonBody, lesson_anchor
from .media import VideoView, media_origins, video_files
from .model import Course
from .ondisk import OnDisk, package_file

from .resources import PACKAGE_DIR, default_templates_dir  # noqa: F401 (used by others)

RUNTIME_DIR = PACKAGE_DIR / "runtime"
RUNTIME_FILES = ("coursepack.css", "coursepack.js", "quiz.js", "transcript.js")
LAUNCH_PAGE = "index.html"
FEED_PARTS = 2048     # outputs of a page template per piece fed to the deflater (~64 KB)
SHARED_SECTIONS = 48  # from this many lessons, a second process writes part of the page


class CompiledTemplates(BytecodeCache):
    """Templates compiled to Python bytecode once per machine, as Python keeps .pyc files:
    in the user's cache folder, keyed by Jinja on the template's name, file and source.
    A folder that cannot be written only means compiling again."""

    def __init__(self, folder: Path):
        self.folder = folder

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(self.folder / f"{bucket.key}.jinja", "rb") as f:
                bucket.load_bytecode(f)
        except OSError:
            pass

    def dump_bytecode(self, bucket: Bucket) -> None:
        import io
        from .package.archive import publish
        data = io.BytesIO()
        bucket.write_bytecode(data)
        try:
            publish(self.folder / f"{bucket.key}.jinja", data.getvalue(), durable=False)
        except OSError:
            pass


def _compiled_templates() -> CompiledTemplates:
    import jinja2
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return CompiledTemplates(Path(base, "coursepack", f"templates-{jinja2.__version__}"))


@lru_cache(maxsize=8)
def environment(override_dir: Path | None) -> Environment:
    """One compiled environment per template folder, reused for every page of a process."""
    defaults = FileSystemLoader(str(default_templates_dir()))
    loaders = [FileSystemLoader(str(override_dir))] if override_dir else []
    loaders += [PrefixLoader({"default": defaults}), defaults]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, bytecode_cache=_compiled_templates())
    env.globals["anchor"] = lesson_anchor
    env.globals["text_direction"] = text_direction
    return env


def prepare(course: Course) -> Videos:
    """Compile the page template, make the runtime files and the videos' files now, ahead
    of render_pages (which takes the videos)."""
    override = course.root / "templates"
    environment(override if override.is_dir() else None).get_template("page.html")
    for name in RUNTIME_FILES:
        runtime_file(name)
    return videos_of(course)


class Videos(NamedTuple):
    """Each video lesson's view for the templates, and the files its videos add."""
    views: dict[str, VideoView]
    files: dict[str, bytes | OnDisk]


def videos_of(course: Course) -> Videos:
    views: dict[str, VideoView] = {}
    files: dict[str, bytes | OnDisk] = {}
    for lesson in course.lessons:
        if lesson.video is not None:
            views[lesson.id], extra = video_files(course, lesson)
            files.update(extra)
    return Videos(views, files)


@lru_cache(maxsize=None)
def runtime_file(name: str) -> bytes:
    """A runtime file as shipped: comments and spacing taken out (the source stays readable;
    learners on slow connections download less)."""
    import rcssmin
    import rjsmin
    text = (RUNTIME_DIR / name).read_text(encoding="utf-8")
    small = rjsmin.jsmin(text) if name.endswith(".js") else rcssmin.cssmin(text)
    return small.encode("utf-8")


class Page(Struct, frozen=True):
    """One launchable page (a SCO): some or all of the course's lessons."""
    href: str
    id: str
    title: str
    module_ids: tuple[str, ...]


def page_data(course: Course, page: Page, standard: str, bodies: dict[str, LessonBody],
              references: bool = False) -> Markup:
    """The JSON block the runtime reads; '<' is escaped so it cannot close the script.
    With references, the References page is the last entry of "lessons", marked optional
    (it does not count towards completion)."""
    modules = [m for m in course.modules if m.id in page.module_ids]
    lessons = [lesson for m in modules for lesson in m.lessons]
    data = {
        "v": 1,
        "standard": standard,
        "course": {"id": course.id, "title": course.title},
        "sco": page.id,
        "lessons": [{"id": lesson.id, "title": lesson.title} for lesson in lessons],
        "completion": {"needed": course.completion.lessons_needed(len(lessons))},
        "quizzes": [bodies[lesson.id].quiz.spec for lesson in lessons
                    if lesson.id in bodies and bodies[lesson.id].quiz is not None],
        "assessment": next((lesson.id for lesson in lessons
                            if lesson.id == course.completion.assessment), None),
    }
    if references:
        data["lessons"].append({"id": "references", "title": "References", "optional": True})
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _template_position(exc: Exception) -> Source:
    """Where in a template an error arose: syntax errors say so; for errors while rendering,
    Jinja puts the template's file and line into the traceback."""
    name, line = getattr(exc, "filename", None), getattr(exc, "lineno", 0) or 0
    tb = exc.__traceback__
    while tb is not None and not getattr(exc, "filename", None):
        if tb.tb_frame.f_code.co_filename.endswith(".html"):  # the innermost template wins
            name, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return Source(display_path(name), line, 1) if name else Source("templates")


def render_pages(course: Course, bodies: dict[str, LessonBody], pages: list[Page],
                 standard: str, report: Report, deflate: bool = False,
                 prepared: Videos | None = None) -> dict[str, bytes | OnDisk] | None:
    """Every file of the package except the manifest, as bytes keyed by package path (a
    large course file as its place on disk, see ondisk). With deflate (the files go into a
    zip), they are deflated on other threads as they are made, the pages piece by piece
    while their template runs (package.deflater). `prepared`: the course's videos, made
    beforehand (prepare)."""
    override = course.root / "templates"
    env = environment(override if override.is_dir() else None)
    files: dict[str, bytes | OnDisk] = {f"runtime/{name}": runtime_file(name)
                                        for name in RUNTIME_FILES}
    videos, added = prepared or videos_of(course)
    files.update(added)
    for body in bodies.values():
        for asset in body.assets:
            files[asset.href] = package_file(asset.path)
    media_src = " ".join(["'self'", *media_origins(course)])
    deflater = None
    try:
        # before the deflater's threads start: a second process may write some sections
        sections = {} if override.is_dir() else _sections_apart(env, course, bodies, videos)
        if deflate:
            from .package.archive import stored
            from .package.deflater import Deflater
            deflater = Deflater(threads=parallel.available())
            for name, data in files.items():
                # video and images go into the zip as they are; a large file is deflated by
                # the zip writer, as it reads it from disk
                if not stored(name) and not isinstance(data, OnDisk):
                    deflater.feed(name, data)
        template = env.get_template("page.html")
        for page in pages:
            modules = [m for m in course.modules if m.id in page.module_ids]
            context = dict(course=course, modules=modules, page=page, bodies=bodies,
                           videos=videos, media_src=media_src,
                           data=page_data(course, page, standard, bodies, "references" in bodies),
                           lang=course.language, sections=sections,
                           **language_marks(course.language))
            if deflater is None:
                files[page.href] = template.render(**context).encode("utf-8")
            else:
                files[page.href] = _render_feeding(template, context, page.href, deflater)
    except TemplateError as exc:
        report.error("template-error", f"template error: {exc.message or exc}",
                     _template_position(exc),
                     "check the course's templates/ folder against the default theme")
        return None
    except Exception as exc:  # noqa: BLE001 - whatever a course's own template may raise
        if not override.is_dir():
            raise          # the default theme's own failure: a bug, not the author's
        problem = ("a template includes or extends itself" if isinstance(exc, RecursionError)
                   else f"{type(exc).__name__}: {exc}")
        report.error("template-error", f"template error: {shorten(problem, 160)}",
                     _template_position(exc),
                     "check the course's templates/ folder against the default theme")
        return None
    finally:
        if deflater is not None:
            deflater.finish(files)
    return files


def _sections_apart(env: Environment, course: Course, bodies: dict[str, LessonBody],
                    videos: dict) -> dict[str, Markup]:
    """Each lesson's section of the page (lesson.html), written apart from the page, which
    takes them as they are. Only with the default templates, whose lesson section shows the
    lesson, its module's title, its video, its body and the course's language.

    Sections are kept between builds (units), so that a rebuild after an edit writes again
    only the sections that changed: all that a section shows is in its key. From
    SHARED_SECTIONS lessons, a second process writes part of them. Otherwise (no cache, a
    small course, or a course with templates of its own: empty dict) every section is
    written in the page."""
    pairs = [(module, lesson) for module in course.modules for lesson in module.lessons]
    remembering = units.remembering()
    if not remembering and (parallel.available() < 2 or len(pairs) < SHARED_SECTIONS):
        return {}
    template = env.get_template("lesson.html")
    marks = language_marks(course.language)

    def writer(module, lesson):
        def write(_) -> str:
            return template.render(course=course, bodies=bodies, videos=videos,
                                   lang=course.language, module=module, lesson=lesson,
                                   **marks)
        return lesson.path, write

    keys: str | list[str] = ""
    if remembering:
        import msgspec
        encode = msgspec.msgpack.Encoder(enc_hook=str).encode
        keys = [cache.digest(encode((lesson, module.title, videos.get(lesson.id),
                                     bodies[lesson.id], course.language)))
                for module, lesson in pairs]
    # ready: the template is compiled, so a second process starts before the first section,
    # often the longest (a video's transcript)
    written = units.run_each("section", [writer(*pair) for pair in pairs], None, extra=keys,
                             minimum=SHARED_SECTIONS, ready=True)
    return {lesson.id: Markup(text) for (_, lesson), text in zip(pairs, written)}


def _render_feeding(template, context: dict, name: str, deflater) -> bytes:
    """A page as template.render would write it, fed to the deflater as it is made, in
    pieces of FEED_PARTS of the template's outputs (about 64 KB)."""
    made = template.generate(**context)
    pieces = []
    while piece := "".join(islice(made, FEED_PARTS)).encode("utf-8"):
        pieces.append(piece)
        deflater.feed(name, piece, last=False)
    deflater.feed(name, b"")
    return b"".join(pieces)
