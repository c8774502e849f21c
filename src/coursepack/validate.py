"""Rules over the whole course model that no single file can check on its own."""

from __future__ import annotations

from .diagnostics import Report
from .model import Course

# SCORM 1.2 cmi.core.lesson_location holds at most 255 characters; ids are far below that.
MAX_LESSONS = 2000


def check_course(course: Course, report: Report) -> None:
    """Add a diagnostic for every cross-object problem found in the course."""
    seen_modules: dict[str, object] = {}
    for module in course.modules:
        if module.id in seen_modules:
            report.error("duplicate-id", f"module id '{module.id}' is used twice", module.source,
                         f"the first use is at {seen_modules[module.id]}; ids must be unique")
        else:
            seen_modules[module.id] = module.source
    seen_lessons: dict[str, object] = {}
    for lesson in course.lessons:
        if lesson.id in seen_lessons:
            report.error("duplicate-id", f"lesson id '{lesson.id}' is used twice", lesson.source,
                         f"the first use is {seen_lessons[lesson.id]}; set a different 'id:' "
                         "in the front matter")
        else:
            seen_lessons[lesson.id] = lesson.source
        if not lesson.markdown.strip():
            report.warning("empty-lesson", f"lesson '{lesson.title}' has no content",
                           lesson.source.at(lesson.body_line, 1),
                           "write the lesson below the front matter")
    if len(course.lessons) > MAX_LESSONS:
        report.error("too-many-lessons", f"the course has {len(course.lessons)} lessons; "
                     f"the limit is {MAX_LESSONS}", course.source,
                     "split the course into several courses")
