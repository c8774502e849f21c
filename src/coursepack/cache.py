"""A content-addressed cache under the output folder (`build/.cache/`, safe to delete).

Two uses: a record per course of the inputs of its last build, so an unchanged course is not
built again; and the results of the slowest stage (citations and reference lists through
the CSL processor), keyed by everything they depend on, so an edit that leaves citations
alone does not run it again. Entries are JSON, never code, and are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import __version__

_folder: Path | None = None


def use(folder: Path | None) -> None:
    """Where results are kept for this process (None: keep nothing)."""
    global _folder
    _folder = folder


def digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _path(kind: str, key: str) -> Path | None:
    return None if _folder is None else _folder / kind / f"{key}.json"


def load(kind: str, key: str):
    path = _path(kind, key)
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def store(kind: str, key: str, value) -> None:
    path = _path(kind, key)
    if path is None:
        return
    from .package.archive import publish
    try:
        publish(path, json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    except OSError:
        pass  # a cache that cannot be written is only slower


_code: str | None = None


def code_digest() -> str:
    """Everything of coursepack itself that shapes its output: code, theme, runtime."""
    global _code
    if _code is None:
        root = Path(__file__).resolve().parent
        from .resources import default_templates_dir
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        files += sorted(p for p in default_templates_dir().rglob("*") if p.is_file())
        _code = digest(__version__, *_installed(), *(p.read_bytes() for p in files))
    return _code


def _installed() -> list[str]:
    """Names (with versions) of the installed distributions: a library upgrade that could
    change the output changes this list. One directory listing per path entry."""
    import sys
    names = []
    for entry in sys.path:
        try:
            names += sorted(n for n in os.listdir(entry or ".") if n.endswith(".dist-info"))
        except OSError:
            continue
    return names


def folder_digest(folder: Path, exclude: Path | None = None) -> str:
    """Every file of a course folder (names and bytes), hidden folders and the output
    folder aside."""
    parts = []
    skip = exclude.resolve() if exclude else None
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".")
                            and (Path(directory) / d).resolve() != skip)
        for name in sorted(files):
            path = Path(directory) / name
            try:
                parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
            except OSError:
                parts += [path.relative_to(folder).as_posix(), b"?"]
    return digest(*parts)
