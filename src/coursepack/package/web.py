"""Plain web target: the course as a static site (a folder and a zip of it) that runs on any
web server or from the file system, keeping the learner's progress in localStorage."""

from __future__ import annotations

from ..model import Course
from ..render import LAUNCH_PAGE, Page

NAME = "web"
LABEL = "plain web"
STANDARD = "web"
ARCHIVE = True
FOLDER = True


def pages(course: Course) -> list[Page]:
    """One page for the whole course: without an LMS there is nothing to track per module."""
    return [Page(LAUNCH_PAGE, course.id, course.title, tuple(m.id for m in course.modules))]


def package_files(course: Course, launch: list[Page], files: dict[str, bytes],
                  controls_dir=None) -> dict[str, bytes]:
    return dict(files)
