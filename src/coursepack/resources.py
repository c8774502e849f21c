"""Where coursepack's own files are, found without importing the rest of it."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    """The default theme: inside the installed package, or top-level in a source checkout."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent.parent / "templates"):
        if (candidate / "page.html").is_file():
            return candidate
    raise FileNotFoundError("coursepack's default templates are missing from this install")
