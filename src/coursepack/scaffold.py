"""`coursepack new`: a small course that validates and builds at once, to start from."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

from .jsonschema_export import write_schemas

TEMPLATE = Path(__file__).resolve().parent / "scaffold"
SCHEMA_FOLDER = ".coursepack/schemas"


class ScaffoldError(Exception):
    pass


def course_id_for(folder: Path) -> str:
    """An id from the folder's name: lower case, accents dropped ('Ça va' -> 'ca-va'),
    anything else a hyphen."""
    name = unicodedata.normalize("NFKD", folder.resolve().name.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", name.encode("ascii", "ignore").decode()).strip("-")
    return slug[:64].strip("-") or "my-course"


def create(folder: Path, title: str | None, language: str) -> list[Path]:
    """Write the scaffold into folder (which must be missing or empty). Should that fail,
    whatever was made is removed."""
    made = None
    try:
        if folder.exists() and not folder.is_dir():
            raise ScaffoldError(f"{folder} is a file; choose a new folder")
        if folder.exists() and any(folder.iterdir()):
            raise ScaffoldError(f"{folder} is not empty; choose a new folder")
        made = _first_missing(folder)
        return _write(folder, title, language)
    except OSError as exc:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
        raise ScaffoldError(f"cannot create {folder}: {exc.strerror or exc}") from None


def _first_missing(folder: Path) -> Path | None:
    """The outermost folder on the way to folder that does not exist yet."""
    missing = None
    for path in (folder.absolute(), *folder.absolute().parents):
        if path.exists():
            break
        missing = path
    return missing


def _write(folder: Path, title: str | None, language: str) -> list[Path]:
    course_id = course_id_for(folder)
    title = title or course_id.replace("-", " ").capitalize()
    values = {"@@ID@@": json.dumps(course_id), "@@TITLE@@": json.dumps(title, ensure_ascii=False),
              "@@LANGUAGE@@": language}
    written = []
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        target = folder / source.relative_to(TEMPLATE)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix in (".yaml", ".md"):
            text = source.read_text(encoding="utf-8")
            for key, value in values.items():
                text = text.replace(key, value if source.suffix == ".yaml" else title)
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    written += write_schemas(folder / SCHEMA_FOLDER)
    return written
