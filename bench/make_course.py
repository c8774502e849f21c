"""Write a large, realistic course for benchmarks and stress tests, the same every time.

    python bench/make_course.py OUT_DIR [--scale 1.0]

At scale 1: 250 lessons in 25 modules, a 2-hour transcript of about 1,500 cues, 250 quiz
questions of every type, 400 references and citations throughout, in every form.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

WORDS = ("care leadership team practice support people service system change learning "
         "community partner family health trust voice plan budget risk quality outcome "
         "strength compassion network colleague resident hope evidence review goal "
         "design meeting training skill value culture listen share decide improve").split()
TYPES = ("single", "multiple", "true-false", "fill-in", "numeric", "matching", "ordering")
# citations in every form a lesson may write them in (docs/course-format.md), in turn
CITATION_FORMS = ("[@{ref}]", "[@{ref}, p. {page}]", "as @{ref} argues.",
                  "[see @{ref}; @{other}]", "[-@{ref}, pp. {page}-{page}0]")


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(sentences))


def references(rng: random.Random, count: int) -> list[dict]:
    items = []
    for i in range(count):
        family = rng.choice(WORDS).capitalize() + ("son" if i % 3 else "")
        items.append({
            "id": f"ref{i:03d}", "type": rng.choice(["book", "report", "article-journal"]),
            "author": [{"family": family, "given": rng.choice("ABCDEFGHJKLM") + "."}],
            "issued": {"date-parts": [[2000 + i % 24]]},
            "title": sentence(rng, rng.randint(4, 9)).rstrip("."),
            "publisher": rng.choice(["Kings Fund", "SCIE", "Policy Press", "NHS England"]),
            "publisher-place": "London",
        })
    return items


def question(rng: random.Random, kind: str, n: int) -> dict:
    q = {"id": f"q{n}", "type": kind, "prompt": sentence(rng, 10).rstrip(".") + "?",
         "feedback": {"correct": "Right.", "incorrect": "Look again at the lesson."},
         "explanation": sentence(rng, 12)}
    if kind in ("single", "multiple"):
        q["options"] = [{"text": sentence(rng, 5), "correct": i == 0 or (kind == "multiple" and i == 2)}
                        for i in range(4)]
    elif kind == "true-false":
        q["answer"] = bool(n % 2)
    elif kind == "fill-in":
        q["answers"] = [rng.choice(WORDS), rng.choice(WORDS).upper()]
    elif kind == "numeric":
        q["answer"] = n * 3
        q["tolerance"] = 0.5
    elif kind == "matching":
        lefts = rng.sample(WORDS, 4)
        q["pairs"] = [{"left": w.capitalize(), "right": f"{w} {i}"} for i, w in enumerate(lefts)]
    else:
        q["items"] = [f"Step {i + 1}: {rng.choice(WORDS)}" for i in range(4)]
    return q


def transcript(rng: random.Random, cues: int, seconds: int) -> str:
    step = seconds / cues
    lines = []
    for i in range(cues):
        start = int(i * step)
        lines.append(f"[{start // 3600}:{start // 60 % 60:02d}:{start % 60:02d}] "
                     f"{'Host' if i % 2 else 'Guest'}: {sentence(rng, rng.randint(6, 12))}")
    return "\n".join(lines) + "\n"


def generate(out: Path, scale: float = 1.0, seed: int = 7) -> Path:
    """Write the course into out (created) and return it."""
    rng = random.Random(seed)
    modules_n = max(1, round(25 * scale))
    lessons_per_module = 10
    refs = references(rng, max(4, round(400 * scale)))
    out.mkdir(parents=True, exist_ok=True)
    (out / "lessons").mkdir(exist_ok=True)
    (out / "quizzes").mkdir(exist_ok=True)
    (out / "media").mkdir(exist_ok=True)
    (out / "references.json").write_text(json.dumps(refs, indent=1), encoding="utf-8")
    duration = max(60, round(7200 * scale))
    (out / "media" / "talk.txt").write_text(
        transcript(rng, max(10, round(1500 * scale)), duration), encoding="utf-8")
    (out / "media" / "talk.webm").write_bytes(b"\x1aE\xdf\xa3 placeholder")
    modules, cited, qn = [], 0, 0
    for m in range(modules_n):
        lessons = []
        for k in range(lessons_per_module - 1):
            name = f"m{m:02d}-l{k}.md"
            body = []
            for s in range(3):
                ref = refs[cited % len(refs)]["id"]
                other = refs[(cited + 7) % len(refs)]["id"]
                form = CITATION_FORMS[cited % len(CITATION_FORMS)]
                cited += 1
                citation = form.format(ref=ref, other=other, page=cited % 90 + 1)
                body.append(f"## Part {s + 1}\n\n{paragraph(rng)} {citation}\n\n"
                            f"- {sentence(rng, 6)}\n"
                            f"- {sentence(rng, 7)}\n\n> {sentence(rng, 14)}\n")
            front = f"---\ntitle: {sentence(rng, 5).rstrip('.')}\nminutes: {rng.randint(3, 12)}\n"
            if m == 0 and k == 0:
                front += ("video:\n  src: ../media/talk.webm\n"
                          f"  duration: {duration}\n  transcript: ../media/talk.txt\n")
            (out / "lessons" / name).write_text(front + "---\n\n" + "\n".join(body),
                                                encoding="utf-8")
            lessons.append(f"lessons/{name}")
        quiz = {"title": f"Module {m + 1} check", "pass_mark": 70, "attempts": 3,
                "shuffle_options": True,
                "questions": [question(rng, TYPES[(qn + i) % len(TYPES)], qn + i)
                              for i in range(10)]}
        qn += 10
        (out / "quizzes" / f"check-{m:02d}.yaml").write_text(
            json.dumps(quiz, indent=1), encoding="utf-8")
        lessons.append(f"quizzes/check-{m:02d}.yaml")
        modules.append({"id": f"module-{m:02d}", "title": f"Module {m + 1}: {rng.choice(WORDS)}",
                        "lessons": lessons})
    course = {"id": "large-course", "title": "A large course", "language": "en-GB",
              "version": "1.0.0", "description": paragraph(rng, 2),
              "completion": {"rule": "all-lessons", "assessment": f"check-{modules_n - 1:02d}"},
              "references": "references.json", "references_page": "all",
              "modules": modules}
    (out / "course.yaml").write_text(json.dumps(course, indent=1), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    print(generate(args.out, args.scale))


if __name__ == "__main__":
    main()
