"""JSON Schemas for editors, from the same field tables the loader checks with."""

from __future__ import annotations

import json
from pathlib import Path

from . import schema

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"

DOCUMENTS = {
    "course.schema.json": ("coursepack course.yaml", schema.COURSE),
    "lesson.schema.json": ("coursepack lesson front matter", schema.FRONT_MATTER),
    "quiz.schema.json": ("coursepack quiz file", schema.QUIZ_FILE),
}


def json_schemas() -> dict[str, str]:
    """File name -> JSON text of each schema (sorted keys, so the output is stable)."""
    out = {}
    for name, (title, table) in DOCUMENTS.items():
        doc = {"$schema": SCHEMA_URI, "title": title, **schema.to_json_schema(table)}
        out[name] = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return out


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in json_schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
