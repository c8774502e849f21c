"""The one orchestrator: load -> validate -> render -> package, per course."""

from __future__ import annotations

from pathlib import Path

from msgspec import Struct, field

from . import markdown, parallel, quizzes, validate
from .diagnostics import Report, Source, display_path
from .load.course import load_course
from .markdown import LessonBody
from .model import Course


class Checked(Struct):
    folder: Path
    course: Course | None
    bodies: dict[str, LessonBody] = field(default_factory=dict)
    ok: bool = False
    videos: object = None      # render.Videos, when made while lessons were parsed


def check(folder: Path, report: Report, for_build: bool = True) -> Checked:
    """Load and validate one course; every problem goes into report. Without for_build
    (`validate`), what only a package needs is skipped: formatting the citations."""
    errors_before = report.errors
    course = load_course(folder, report, prepare_next=markdown.prepare)
    if course is None:
        return Checked(folder, None)
    loaded = report.errors == errors_before
    # The course's own checks need no lesson parsed: they run while a second process, if
    # any, parses its part of the lessons; so do, for a build, the reading of the citation
    # style and what packaging needs first.
    checks: list[Report] = []
    videos = None

    def check_course():
        checks.append(Report())
        validate.check_course(course, checks[0])

    def meanwhile():
        nonlocal videos
        check_course()
        if for_build and course.references and course.citation_style is not None:
            _prepare_citing(course)
        if for_build:
            videos = _prepare_packaging(course)

    # The quizzes' texts are worked out with the lessons (quizzes.draft).
    bodies = markdown.process_lessons(course, report, cite=for_build, meanwhile=meanwhile)
    if not checks:
        check_course()
    report.extend(checks[0])
    valid = loaded and checks[0].errors == 0
    if valid:   # the quizzes are sound: their texts get the lessons' checks, whatever those found
        quizzes.attach(course, bodies, report)
    checked = Checked(folder, course, bodies, ok=report.errors == errors_before,
                      videos=videos)
    if checked.ok and (course.root / "templates").is_dir():
        # The course overrides templates: render each target's pages once, in memory, so
        # that template errors are found by `validate` too, not only by `build`.
        from .package import TARGETS
        from .render import render_pages
        for name in course.targets:
            target = TARGETS[name]
            if render_pages(course, bodies, target.pages(course), target.STANDARD,
                            report) is None:
                checked.ok = False
                break
    return checked


def _prepare_citing(course: Course) -> None:
    """The citation processor and the course's style, read while a second process parses
    lessons. Whatever fails here fails again, and is reported, when citations are written."""
    try:
        from .bibliography import prepare
        prepare(course)
    except Exception:  # noqa: BLE001
        pass


def _prepare_packaging(course: Course):
    """What packaging needs first (its modules, the page template, the runtime files, the
    videos' files: render.Videos, returned), made while a second process parses lessons.
    Whatever fails here fails again, and is reported, when the pages are made."""
    try:
        from . import package  # noqa: F401
        from .render import prepare
        return prepare(course)
    except Exception:  # noqa: BLE001
        return None


def output_name(course: Course, target: str) -> str:
    return f"{course.id}-{target}.zip"


def package(checked: Checked, target_name: str, report: Report,
            control_files: Path | None = None, standard: str | None = None,
            deflate: bool = False) -> dict | None:
    """Every file of one target's package, in memory (package path -> bytes). `standard`
    overrides the runtime's mode (the preview runs the web runtime); with deflate, the files
    come deflated for the zip, by other threads (render.render_pages)."""
    from .package import TARGETS
    from .render import render_pages
    target = TARGETS[target_name]
    course = checked.course
    scos = target.pages(course)
    files = render_pages(course, checked.bodies, scos, standard or target.STANDARD, report,
                         deflate=deflate, prepared=checked.videos)
    if files is None:
        return None
    return target.package_files(course, scos, files, control_files)


def build(checked: Checked, targets: list[str], out_dir: Path, report: Report,
          control_files: Path | None = None) -> list[Path]:
    """Render and package a course that passed its checks; returns the zips written.
    With no targets named, the course's own `targets:` apply."""
    from .package import TARGETS
    from .package.archive import write_folder, write_zip
    assert checked.ok and checked.course is not None
    course = checked.course
    written = []
    made = {}
    # Every package is made before any is written: a template that fails for one target
    # leaves the earlier packages of all targets as they were. (Deflating threads only where
    # the course may use a second core, not with -j 1.)
    for name in targets or course.targets:
        made[name] = package(checked, name, report, control_files,
                             deflate=parallel.available() > 1)
        if made[name] is None:
            return written
    for name, entries in made.items():
        target = TARGETS[name]
        path = out_dir / output_name(course, name)
        writing = path
        try:
            if getattr(target, "FOLDER", False):
                writing = path.with_suffix("")
                write_folder(writing, entries)
                written.append(writing)
                writing = path
            write_zip(path, entries)
        except OSError as exc:
            shown = display_path(writing) + ("/" if writing != path else "")
            report.error("output-unwritable", f"cannot write {shown}: {exc.strerror or exc}",
                         Source(display_path(out_dir)),
                         "choose another folder with --out, or check its permissions")
            continue           # the other targets are still made: each is whole or absent
        written.append(path)
    return written
