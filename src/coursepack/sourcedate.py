"""SOURCE_DATE_EPOCH, the time reproducible builds stamp their files with
(reproducible-builds.org): read by the zip writer, and checked by `build` before any work."""

from __future__ import annotations

import os


def source_date_epoch() -> int | None:
    """The variable's value: None when unset or empty; ValueError when it is not a whole
    number of seconds, as `date +%s` prints."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.lstrip("-").isdigit() or not value.isascii():
        raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{value}'")
    return int(value)
