"""Finding course folders: cheap, so commands can start without loading the readers."""

from __future__ import annotations

from pathlib import Path

COURSE_FILE = "course.yaml"


def find_courses(paths: list[Path]) -> list[Path]:
    """Course folders under the given paths (a folder holding course.yaml, or its parents)."""
    found: list[Path] = []
    for path in paths:
        if path.is_file() and path.name == COURSE_FILE:
            found.append(path.parent)
        elif (path / COURSE_FILE).is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p.parent for p in path.glob(f"*/{COURSE_FILE}")))
    unique: list[Path] = []
    for course in found:
        if course.resolve() not in {c.resolve() for c in unique}:
            unique.append(course)
    return unique
