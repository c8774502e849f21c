"""Quizzes in Moodle's GIFT format."""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Report, Source, display_path
from ..model import Lesson


def read_gift_file(path: Path, report: Report) -> Lesson | None:
    report.error("gift-unsupported", "GIFT files cannot be read yet",
                 Source(display_path(path), 1, 1), "write the quiz in YAML")
    return None
