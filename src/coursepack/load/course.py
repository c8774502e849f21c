"""Read a course folder (course.yaml and the lessons it lists) into the model."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .. import schema, units
from ..diagnostics import Report, Source, display_path
from ..model import Author, Completion, Course, Lesson, Module
from .discover import COURSE_FILE
from .files import read_text, resolve_inside
from .references import course_references
from .yamlpos import parse_yaml

# From this many lessons to read, a second process reads part of them (parallel.share).
SHARED_LESSONS = 24


def text_of(mapping, key: str, default: str = "") -> str:
    """A text value from raw YAML data, or default where it is missing or of another type."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) else default


def reader_of(path: Path) -> Callable[[Path, Path, Report], Lesson | None]:
    """The reader of a lesson file of path's kind: a quiz in YAML or GIFT, else Markdown.
    Each reader is imported when first asked for."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from .quiz import read_quiz_file
        return lambda path, root, report: read_quiz_file(path, report)
    if suffix == ".gift":
        from .gift import read_gift_file
        return lambda path, root, report: read_gift_file(path, report)
    from .lesson import read_lesson
    return read_lesson


def _lesson_paths(doc, folder: Path, report: Report) -> dict[int, list[Path]]:
    """The lesson files each module lists (by module index), each found inside the course
    and listed once."""
    listed: dict[int, list[Path]] = {}
    seen: dict[Path, Source] = {}
    for m_index, m in enumerate(doc.data.get("modules") or []):
        if not isinstance(m, dict):
            continue
        refs = m.get("lessons") if isinstance(m.get("lessons"), list) else []
        paths = listed[m_index] = []
        for l_index, ref in enumerate(refs):
            path_key = ("modules", m_index, "lessons", l_index)
            rel = ref.get("file") if isinstance(ref, dict) else ref
            if not isinstance(rel, str):
                continue
            where = doc.pos(path_key + (("file",) if isinstance(ref, dict) else ()))
            path = resolve_inside(folder, rel, where, report, "lesson file")
            if path is None:
                continue
            if path in seen:
                report.error("duplicate-lesson", f"lesson file '{rel}' is listed twice", where,
                             f"it is already listed at {seen[path]}")
                continue
            seen[path] = where
            paths.append(path)
    return listed


def load_course(folder: Path, report: Report,
                prepare_next: Callable[[], object] | None = None) -> Course | None:
    """Load one course; every problem goes into report.

    Returns the course as far as it could be read (None when course.yaml itself is unusable),
    so that the rules over the whole course still run; only a course whose checks found no
    error is rendered. When a second process shares the reading of the lessons, this one
    reads the references and calls prepare_next() (the caller's next step) meanwhile."""
    course_file = folder / COURSE_FILE
    source = Source(display_path(course_file))
    text = read_text(course_file, report)
    if text is None:
        return None
    doc = parse_yaml(text, source, report)
    if doc is None:
        return None
    if doc.data is None:
        report.error("empty-file", "course.yaml is empty", source.at(1, 1),
                     "start from `coursepack new` or the example in docs/course-format.md")
        return None
    if not isinstance(doc.data, dict):
        report.error("wrong-type", "course.yaml should be a mapping of keys to values",
                     doc.pos(()), "see docs/course-format.md for the layout")
        return None
    schema.check(doc, schema.COURSE, report, "course.yaml")
    data = doc.data

    listed = _lesson_paths(doc, folder, report)
    units.set_context(text.encode("utf-8"), [path for paths in listed.values() for path in paths])
    paths = [path for m_index in sorted(listed) for path in listed[m_index]]
    references: dict = {}

    def meanwhile():
        references.update(course_references(doc, folder, report))
        if prepare_next is not None:
            prepare_next()

    # The readers are imported here, so a second process that shares the reading starts
    # before the first lesson (ready), which is often the one with a long transcript.
    readers = [reader_of(path) for path in paths]
    read = dict(zip(paths, units.run_each(
        "read", [(path, lambda own, path=path, reader=reader: reader(path, folder, own))
                 for path, reader in zip(paths, readers)], report, minimum=SHARED_LESSONS,
        meanwhile=meanwhile, ready=True)))
    if not references:                     # read in this process alone
        references.update(course_references(doc, folder, report))
    modules: list[Module] = []
    for m_index, m in enumerate(data.get("modules") or []):
        if not isinstance(m, dict):
            continue
        lessons = tuple(read[path] for path in listed.get(m_index, []) if read[path] is not None)
        modules.append(Module(
            id=text_of(m, "id"), title=text_of(m, "title"),
            description=text_of(m, "description"), lessons=lessons,
            source=doc.pos(("modules", m_index))))

    if data.get("allow_raw_html") is True:
        report.warning("raw-html-allowed", "raw HTML in lessons is passed through unfiltered",
                       doc.key_pos(("allow_raw_html",)),
                       "you vouch for every tag, attribute and link in the lessons (the "
                       "pages' security policy still blocks inline scripts); remove "
                       "'allow_raw_html' unless you need it")
    control = data.get("control_files")
    control_dir = None
    if isinstance(control, str):
        control_dir = resolve_inside(folder, control, doc.pos(("control_files",)), report,
                                     "control_files folder", kind="folder")

    completion = data.get("completion") if isinstance(data.get("completion"), dict) else {}
    authors = data.get("authors") if isinstance(data.get("authors"), list) else []
    percent = completion.get("percent", 100)
    return Course(
        id=text_of(data, "id"), title=text_of(data, "title"),
        language=text_of(data, "language", "en"),
        version=text_of(data, "version"), description=text_of(data, "description"),
        authors=tuple(Author(text_of(a, "name"), text_of(a, "email"), text_of(a, "role"))
                      for a in authors if isinstance(a, dict)),
        completion=Completion(text_of(completion, "rule", "all-lessons"),
                              percent if isinstance(percent, int) else 100,
                              text_of(completion, "assessment"),
                              doc.pos(("completion", "assessment"))),
        modules=tuple(modules), root=folder.resolve(), source=doc.pos(()),
        control_files=control_dir,
        lesson_files=frozenset(p for paths in listed.values() for p in paths),
        **references,
        targets=tuple(dict.fromkeys(t for t in data.get("targets") or ["scorm12"]
                                    if isinstance(t, str))),
        sco=text_of(data, "sco", "single"),
        allow_raw_html=data.get("allow_raw_html") is True,
    )
