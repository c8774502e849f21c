"""Hostile text in every source field that reaches a page stays text.

A course is written here in which each field (course, module and lesson titles, summaries,
Markdown bodies with raw HTML, link text and image alt text, WebVTT and plain transcripts,
CSL-JSON and BibTeX references, citation prefixes and suffixes, YAML and GIFT quizzes) carries
script tags, an event-handler attribute, `</script>` breakouts (which matter for the JSON
block #cp-data), attribute breakouts and template syntax. It is built for SCORM 1.2 (run in
the LMS host) and for the web (opened from file://); every page is visited, the quizzes are
submitted, the transcript is searched and the in-course links are followed. Nothing may run:
no dialog, no `window.pwned`, no script but the runtime's and the JSON block, no on*
attribute, no javascript: address, no CSP violation (the guard), and the hostile text shows
as literal text where the author put it.

`javascript:` links written in Markdown do not build at all: they are errors, checked on
their own course below (test_unsafe_links_are_build_errors).
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
import yaml
from click.testing import CliRunner

from .conftest import page_data
from .quiz_driver import QuizOnPage, load_quiz_lesson, right, wrong

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.pwned=1</script>"
IMG = '<img src=x onerror="window.pwned=2">'
JS_URL = "javascript:window.pwned=3"
BREAKOUT = "</script><script>window.pwned=4</script>"
ATTR = '"><svg onload=window.pwned=5>'
TEMPLATE = "{{ 7*7 }}"
HOSTILE = " ".join([SCRIPT, IMG, BREAKOUT, ATTR, TEMPLATE])

SCAFFOLD_VIDEO = Path(__file__).resolve().parents[2] / "src/coursepack/scaffold/media/talk.webm"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDw"
                       "AChwGA60e6kgAAAABJRU5ErkJggg==")
RUNTIME_SCRIPTS = ["runtime/transcript.js", "runtime/quiz.js", "runtime/coursepack.js"]


def hostile(label: str) -> str:
    return f"{label} {HOSTILE}"


def entities(text: str) -> str:
    """Text as WebVTT writes it (its cue text is markup: & < > are escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def gift(text: str) -> str:
    """Text with GIFT's special characters escaped."""
    for ch in "\\~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return text


def dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)


def front_matter(meta: dict, body: str) -> str:
    return "---\n" + dump(meta) + "---\n" + body


HOSTILE_KEY = 'k"><svg/onload=window.pwned=5>'
SPEAKER = f"Tom & Jerry {SCRIPT}"
TITLES = {
    "text": hostile("Lesson"),
    "vtt": hostile("VTT lesson"),
    "plain": hostile("Plain lesson"),
    "yaml-quiz": hostile("Quiz"),
    "gift-quiz": hostile("Gift quiz"),
    "references": "References",
}
ALT = f"Alt {ATTR} {TEMPLATE}"
LINK_TITLE = ATTR

TEXT_LESSON = f"""
## Section {TEMPLATE}

Raw HTML in a paragraph: {HOSTILE}

Escaped: \\<script>window.pwned=1\\</script> and &lt;img src=x onerror="window.pwned=2"&gt;

Code: `{SCRIPT}` and `{ATTR}`

[{SCRIPT} link text {TEMPLATE}](plain.md '{LINK_TITLE}')

![{ALT}](../media/pic.png)

Cited [see {SCRIPT} {TEMPLATE} @jsonref, p. 4 {ATTR}], and @bibref [p. 5 {BREAKOUT}], and
[@{{{HOSTILE_KEY}}}].

<div onclick="window.pwned=2" title='{ATTR}'><a href="{JS_URL}">raw link</a>
<svg onload=window.pwned=5></svg><script>window.pwned=1</script><kbd>{TEMPLATE}</kbd></div>
"""

VTT = f"""WEBVTT

00:00:00.000 --> 00:00:06.000
<v {entities(SPEAKER)}>{entities(hostile("Cue one"))}

00:00:06.000 --> 00:00:13.000
{SCRIPT} tags in a cue are WebVTT markup {entities(ATTR)}
"""

PLAIN_TRANSCRIPT = f"""[00:00] Presenter: {hostile("Plain cue")}
[00:06] {SCRIPT}: {ATTR}
"""

YAML_QUIZ = {
    "id": "yaml-quiz", "title": TITLES["yaml-quiz"], "summary": hostile("Quiz summary"),
    "intro": hostile("Intro"), "pass_mark": 50, "attempts": 3,
    "questions": [
        {"id": "single", "type": "single", "prompt": hostile("Single prompt"),
         "options": [{"text": hostile("Right option"), "correct": True,
                      "feedback": hostile("Right option feedback")},
                     {"text": hostile("Wrong option"),
                      "feedback": hostile("Wrong option feedback")}],
         "feedback": {"correct": hostile("Correct feedback"),
                      "incorrect": hostile("Incorrect feedback")},
         "explanation": hostile("Single explanation")},
        {"id": "multi", "type": "multiple", "prompt": hostile("Multi prompt"),
         "options": [{"text": hostile("M1"), "correct": True},
                     {"text": hostile("M2"), "correct": True}, {"text": hostile("M3")}]},
        {"id": "tf", "type": "true-false", "prompt": hostile("TF prompt"), "answer": True,
         "explanation": hostile("TF explanation")},
        {"id": "fill", "type": "fill-in", "prompt": hostile("Fill prompt"),
         "answers": [hostile("Fill answer")], "feedback": {"correct": hostile("Fill right")}},
        {"id": "num", "type": "numeric", "prompt": hostile("Num prompt"), "answer": 7},
        {"id": "match", "type": "matching", "prompt": hostile("Match prompt"),
         "pairs": [{"left": hostile("L1"), "right": hostile("R1")},
                   {"left": hostile("L2"), "right": hostile("R2")}]},
        {"id": "order", "type": "ordering", "prompt": hostile("Order prompt"),
         "items": [hostile("I1"), hostile("I2"), hostile("I3")]},
    ],
}

GIFT_QUIZ = f"""// title: {TITLES["gift-quiz"]}

::{gift(ATTR)}:: {gift(hostile("Gift prompt"))} {{
  ={gift(hostile("Gift right"))}#{gift(hostile("Gift feedback"))}
  ~{gift(hostile("Gift wrong"))}
  ####{gift(hostile("Gift general"))}
}}

::html:: [html] {gift(hostile("Gift html"))} {{T}}

Fill {gift(SCRIPT)} the {{={gift(hostile("gap"))}}} word.
"""
GIFT_IDS = ["svg-onload-window-pwned-5", "html", "q3"]

CSL_JSON = [
    {"id": "jsonref", "type": "book", "title": hostile("Title"),
     "author": [{"family": hostile("Family"), "given": "Given"}],
     "publisher": hostile("Publisher"), "issued": {"date-parts": [[2020]]}, "URL": JS_URL},
    {"id": HOSTILE_KEY, "type": "webpage", "title": hostile("Keyed"),
     "author": [{"literal": hostile("Organisation")}], "issued": {"date-parts": [[2019]]},
     "URL": "https://example.org/\"><svg onload=window.pwned=5>"},
]
# BibTeX braces group text: the template syntax is written without them here.
BIB_TITLE = " ".join([SCRIPT, IMG, BREAKOUT, ATTR])
BIBTEX = f"""@book{{bibref,
  author = {{Bib, Author}},
  title = {{Bib title {BIB_TITLE}}},
  publisher = {{{SCRIPT}}},
  year = {{2021}},
  url = {{{JS_URL}}}
}}
"""


def write_course(root: Path) -> Path:
    def put(name: str, content) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    put("course.yaml", dump({
        "id": "hostile", "title": hostile("Course"), "language": "en", "version": "1.0",
        "description": hostile("Description"),
        "authors": [{"name": hostile("Author"), "role": hostile("Role"),
                     "email": "author@example.org"}],
        "completion": {"rule": "all-lessons", "assessment": "yaml-quiz"},
        "references": ["refs.json", "refs.bib"],
        "modules": [
            {"id": "m1", "title": hostile("Module one"),
             "description": hostile("Module description"),
             "lessons": ["lessons/text.md", "lessons/vtt.md", "lessons/plain.md"]},
            {"id": "m2", "title": hostile("Module two"),
             "lessons": ["quizzes/yaml-quiz.yaml", "quizzes/gift-quiz.gift"]},
        ]}))
    put("lessons/text.md", front_matter(
        {"title": TITLES["text"], "summary": hostile("Summary")}, TEXT_LESSON))
    put("lessons/vtt.md", front_matter(
        {"title": TITLES["vtt"], "summary": hostile("VTT summary"),
         "video": {"src": "../media/talk.webm", "duration": "0:20",
                   "transcript": "../transcripts/talk.vtt"}},
        f"Watch the talk. {TEMPLATE}\n"))
    put("lessons/plain.md", front_matter(
        {"title": TITLES["plain"], "references": False,
         "video": {"src": "../media/talk.webm", "duration": "0:20",
                   "transcript": "../transcripts/talk.txt"}},
        "Listen, then read [the source @jsonref, p. 9].\n"))
    put("transcripts/talk.vtt", VTT)
    put("transcripts/talk.txt", PLAIN_TRANSCRIPT)
    put("media/talk.webm", SCAFFOLD_VIDEO.read_bytes())
    put("media/pic.png", PNG)
    put("refs.json", json.dumps(CSL_JSON, indent=1))
    put("refs.bib", BIBTEX)
    put("quizzes/yaml-quiz.yaml", dump(YAML_QUIZ))
    put("quizzes/gift-quiz.gift", GIFT_QUIZ)
    return root


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory) -> Path:
    return write_course(tmp_path_factory.mktemp("hostile") / "hostile")


# ---------------------------------------------------------------- the built files

class PageScan(HTMLParser):
    """What the HTML of a page holds, as a browser's parser sees the markup."""

    URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "xlink:href", "cite"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.handlers: list[str] = []
        self.script_urls: list[str] = []
        self.csp: list[str] = []
        self.first_script_at: int | None = None
        self.csp_at: int | None = None
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
            if self.first_script_at is None:
                self.first_script_at = self.tags
        if tag == "meta" and (values.get("http-equiv") or "").lower() == \
                "content-security-policy":
            self.csp.append(values.get("content") or "")
            self.csp_at = self.tags
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name.lower() in self.URL_ATTRS and re.match(
                    r"(?i)^(java|vb)script:", re.sub(r"[\x00-\x20]", "", value or "")):
                self.script_urls.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def csp_directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() not in out:   # the first of a directive counts
            out[words[0].lower()] = words[1:]
    return out


def check_page_source(html: str, where: str) -> dict:
    scan = PageScan()
    scan.feed(html)
    scan.close()
    assert len(scan.csp) == 1, f"{where}: {len(scan.csp)} Content-Security-Policy meta tags"
    assert scan.csp_at < scan.first_script_at, f"{where}: the CSP comes after a script"
    policy = csp_directives(scan.csp[0])
    assert policy.get("script-src") == ["'self'"], f"{where}: script-src {policy}"
    assert policy.get("default-src") == ["'self'"], f"{where}: default-src {policy}"
    assert "'unsafe-inline'" not in scan.csp[0] and "'unsafe-eval'" not in scan.csp[0], where
    assert policy.get("object-src") == ["'none'"] and policy.get("base-uri") == ["'none'"]
    inline = [s for s in scan.scripts if "src" not in s]
    assert inline == [{"type": "application/json", "id": "cp-data"}], \
        f"{where}: scripts without src: {inline}"
    assert [s["src"] for s in scan.scripts if "src" in s] == RUNTIME_SCRIPTS, where
    assert scan.handlers == [], f"{where}: event-handler attributes {scan.handlers}"
    assert scan.script_urls == [], f"{where}: script addresses {scan.script_urls}"
    block = re.search(r'<script type="application/json" id="cp-data">(.*?)</script>', html,
                      re.S).group(1)
    assert "<" not in block and ">" not in block, f"{where}: markup inside the JSON block"
    return page_data(html)


@pytest.mark.parametrize("target", ["scorm12", "scorm2004", "web"])
def test_built_pages_hold_hostile_text_as_text(hostile_course, build_package, target):
    built = build_package(hostile_course, target)
    pages = sorted(built.root.rglob("*.html"))
    assert pages, "no pages"
    for path in pages:
        data = check_page_source(path.read_text(encoding="utf-8"), str(path.name))
        assert data["course"]["title"] == hostile("Course")
        assert {p["id"]: p["title"] for p in data["lessons"]} == TITLES
        quiz = next(q for q in data["quizzes"] if q["id"] == "yaml-quiz")
        prompts = [q["text"] for q in quiz["questions"]]
        assert prompts[0] == hostile("Single prompt"), prompts[0]
        fill = next(q for q in quiz["questions"] if q["id"] == "fill")
        assert fill["key"]["answers"] == [hostile("Fill answer")]
    if built.manifest is not None:
        text = (built.root / "imsmanifest.xml").read_text(encoding="utf-8")
        assert "<script" not in text and "<svg" not in text
        titles = [e.text for e in ElementTree.fromstring(text).iter()
                  if e.tag.endswith("}title") and e.text]
        strings = [e.text for e in ElementTree.fromstring(text).iter()
                   if e.tag.endswith(("}langstring", "}string")) and e.text]
        assert hostile("Course") in titles, titles
        assert hostile("Course") in strings and hostile("Description") in strings, strings


def test_example_course_pages_have_the_strict_csp(example_package):
    for path in sorted(example_package.root.rglob("*.html")):
        check_page_source(path.read_text(encoding="utf-8"), path.name)


# ---------------------------------------------------------------- in the browser

AUDIT = """() => {
  const found = { scripts: [], handlers: [], urls: [], elements: [], images: [] };
  for (const s of document.querySelectorAll("script")) {
    found.scripts.push(s.src ? new URL(s.src).pathname.split("/").slice(-2).join("/")
                             : (s.type + "#" + s.id));
  }
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) { found.handlers.push(el.tagName + " " + a.name); }
      const v = a.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (/^(java|vb)script:/.test(v)) { found.urls.push(el.tagName + " " + a.name); }
    }
    if (/^(iframe|frame|object|embed|base|applet|form)$/i.test(el.tagName)
        && !el.classList.contains("cp-quiz-form")) { found.elements.push(el.tagName); }
    if (el.tagName === "META" && /refresh/i.test(el.httpEquiv)) { found.elements.push("refresh"); }
  }
  for (const img of document.images) {
    if (!new URL(img.src).pathname.includes("/assets/")) { found.images.push(img.src); }
  }
  found.pwned = typeof window.pwned === "undefined" ? null : String(window.pwned);
  found.topPwned = typeof window.top.pwned === "undefined" ? null : String(window.top.pwned);
  return found;
}"""


def audit(frame) -> None:
    found = frame.evaluate(AUDIT)
    assert found["pwned"] is None and found["topPwned"] is None, found
    assert found["scripts"] == ["application/json#cp-data", *RUNTIME_SCRIPTS], found["scripts"]
    assert found["handlers"] == [], found["handlers"]
    assert found["urls"] == [], found["urls"]
    assert found["elements"] == [], found["elements"]
    assert found["images"] == [], found["images"]


def squash(text: str) -> str:
    return " ".join((text or "").split())


def text_of(locator) -> str:
    return squash(locator.text_content())


def visible_lessons(frame) -> list[str]:
    return frame.evaluate(
        "() => [...document.querySelectorAll('article.cp-lesson')]"
        ".filter(a => !a.hidden && a.getClientRects().length > 0).map(a => a.dataset.lesson)")


def show(frame, lesson_id: str) -> None:
    frame.locator(f".cp-toc a[data-lesson='{lesson_id}']").click()
    assert visible_lessons(frame) == [lesson_id]


def exercise_course(frame) -> None:
    """Visit every page as a learner does, checking what shows and that nothing ran."""
    assert frame.evaluate("() => document.title") == hostile("Course")
    assert text_of(frame.locator(".cp-course-title")) == hostile("Course")
    assert text_of(frame.locator("#module-m1")) == hostile("Module one")
    assert text_of(frame.locator("#module-m2")) == hostile("Module two")
    for lesson_id, title in TITLES.items():
        assert text_of(frame.locator(f".cp-toc a[data-lesson='{lesson_id}']")) == title
    audit(frame)

    # The text lesson: titles, raw HTML filtered, Markdown text as written.
    show(frame, "text")
    lesson = frame.locator("#lesson-text")
    assert text_of(lesson.locator("h1")) == TITLES["text"]
    assert text_of(lesson.locator(".cp-module-label")) == hostile("Module one")
    assert text_of(lesson.locator(".cp-summary")) == hostile("Summary")
    body = lesson.locator(".cp-body")
    assert text_of(body.locator("h2").first) == f"Section {TEMPLATE}"
    assert [text_of(c) for c in body.locator("code").all()] == [SCRIPT, ATTR]
    paragraphs = [text_of(p) for p in body.locator("p").all()]
    assert f"Escaped: {SCRIPT} and {IMG}" in paragraphs, paragraphs
    # Raw tags are removed; what is not a tag (an invalid one included) stays as text.
    assert any(p.startswith("Raw HTML in a paragraph:") and p.endswith(f"{ATTR} {TEMPLATE}")
               for p in paragraphs), paragraphs
    assert text_of(body.locator("kbd")) == TEMPLATE
    assert body.locator("div").get_attribute("title") == ATTR
    assert text_of(body.locator("div a")) == "raw link"
    assert body.locator("div a").get_attribute("href") is None
    image = body.locator("img")
    assert image.count() == 1, "the Markdown image is missing"
    assert image.get_attribute("alt") == ALT
    assert frame.evaluate("() => document.querySelector('#lesson-text img').naturalWidth") == 1
    citations = [text_of(c) for c in body.locator(".cp-citation").all()]
    assert citations[0].startswith(f"(see {SCRIPT} {TEMPLATE} Family {HOSTILE}"), citations
    assert citations[0].endswith(f"p. 4 {ATTR})"), citations
    assert citations[1] == f"Bib (2021, p. 5 {BREAKOUT})", citations
    refs = [text_of(r) for r in lesson.locator(".cp-references .cp-ref").all()]
    assert any(f"Title {HOSTILE}" in r and f"Publisher {HOSTILE}" in r and JS_URL in r
               for r in refs), refs
    assert any(f"Bib title {BIB_TITLE}" in r and JS_URL in r for r in refs), refs
    assert any(f"Organisation {HOSTILE}" in r and f"Keyed {HOSTILE}" in r for r in refs), refs
    for cite in body.locator("a.cp-cite").all():
        cite.click()
        assert visible_lessons(frame) == ["text"]
        target = frame.evaluate("() => (document.querySelector(':target') || {}).className")
        assert target == "cp-ref", "a citation link did not lead to its entry"
    audit(frame)
    link = body.locator("a", has_text="link text")
    assert text_of(link) == f"link text {TEMPLATE}"
    assert link.get_attribute("title") == LINK_TITLE
    link.click()
    assert visible_lessons(frame) == ["plain"]

    # Transcripts: WebVTT (speaker and words) and plain text.
    show(frame, "vtt")
    lesson = frame.locator("#lesson-vtt")
    assert text_of(lesson.locator("h1")) == TITLES["vtt"]
    assert text_of(lesson.locator(".cp-summary")) == hostile("VTT summary")
    cues = lesson.locator(".cp-cue")
    assert text_of(cues.nth(0).locator(".cp-speaker")) == f"{SPEAKER}:"
    assert text_of(cues.nth(0).locator(".cp-cue-words")) == hostile("Cue one")
    assert text_of(cues.nth(1).locator(".cp-cue-words")) == \
        f"window.pwned=1 tags in a cue are WebVTT markup {ATTR}"
    assert lesson.locator(".cp-transcript-tools").is_visible()
    lesson.locator(".cp-transcript-search").fill("<script>")
    marks = [text_of(m) for m in lesson.locator(".cp-cues mark").all()]
    assert marks and set(marks) == {"<script>"}, marks
    lesson.locator(".cp-transcript-search").fill("")
    cues.nth(1).locator(".cp-cue-time").click()
    audit(frame)

    show(frame, "plain")
    lesson = frame.locator("#lesson-plain")
    cues = lesson.locator(".cp-cue")
    assert text_of(cues.nth(0).locator(".cp-speaker")) == "Presenter:"
    assert text_of(cues.nth(0).locator(".cp-cue-words")) == hostile("Plain cue")
    assert text_of(cues.nth(1).locator(".cp-cue-words")) == f"{SCRIPT}: {ATTR}"
    # This lesson has no list of its own: its citation leads to the References page.
    lesson.locator("a.cp-cite").click()
    assert visible_lessons(frame) == ["references"]
    page_refs = [text_of(r) for r in frame.locator("#lesson-references .cp-ref").all()]
    assert any(f"Title {HOSTILE}" in r and JS_URL in r for r in page_refs), page_refs
    audit(frame)


def answer_yaml_quiz(frame, course_folder: Path) -> None:
    show(frame, "yaml-quiz")
    lesson = frame.locator("#lesson-yaml-quiz")
    assert text_of(lesson.locator("h1")) == TITLES["yaml-quiz"]
    assert text_of(lesson.locator(".cp-summary")) == hostile("Quiz summary")
    assert text_of(lesson.locator(".cp-body")).endswith(f"{ATTR} {TEMPLATE}")
    quiz = load_quiz_lesson(course_folder, "yaml-quiz").quiz
    view = QuizOnPage(frame, "yaml-quiz", quiz.questions)
    for q, source in zip(quiz.questions, YAML_QUIZ["questions"]):
        assert view.prompt(q) == squash(source["prompt"])
    single = view.node(quiz.questions[0])
    # shown after submitting on the right option, and on the learner's
    marks = " (correct answer) (your answer)"
    assert [text_of(label) for label in single.locator("label").all()] == \
        [hostile("Right option") + marks, hostile("Wrong option") + marks]
    matching = view.node(quiz.questions[5])
    assert [text_of(label) for label in matching.locator(".cp-match label").all()] == \
        [hostile("L1"), hostile("L2")]
    assert [text_of(o) for o in matching.locator("select").first.locator("option").all()][1:] \
        == [hostile("R1"), hostile("R2")]
    ordering = view.node(quiz.questions[6])
    assert sorted(text_of(t) for t in ordering.locator(".cp-order-text").all()) == \
        [hostile("I1"), hostile("I2"), hostile("I3")]      # shown shuffled
    answers = [right(q) for q in quiz.questions]
    answers[0] = wrong(quiz.questions[0])
    view.answer_all(answers)
    assert view.submit().startswith("You scored ")
    assert text_of(single.locator(".cp-if-incorrect")) == hostile("Incorrect feedback")
    assert text_of(single.locator(".cp-explanation")) == hostile("Single explanation")
    feedback = single.locator(".cp-option-feedback")
    assert [f.is_visible() for f in feedback.all()] == [False, True]
    assert text_of(feedback.nth(1)) == hostile("Wrong option feedback")
    fill = view.node(quiz.questions[3])
    assert text_of(fill.locator(".cp-if-correct")) == hostile("Fill right")
    assert text_of(fill.locator(".cp-solution")) == \
        f"Accepted answer: “{hostile('Fill answer')}”."
    assert text_of(ordering.locator(".cp-solution")).startswith(f"Correct order: {hostile('I1')}")
    audit(frame)


def answer_gift_quiz(frame) -> None:
    show(frame, "gift-quiz")
    lesson = frame.locator("#lesson-gift-quiz")
    assert text_of(lesson.locator("h1")) == TITLES["gift-quiz"]
    questions = [SimpleNamespace(id=GIFT_IDS[0], type="single"),
                 SimpleNamespace(id=GIFT_IDS[1], type="true-false"),
                 SimpleNamespace(id=GIFT_IDS[2], type="fill-in")]
    view = QuizOnPage(frame, "gift-quiz", questions)
    assert view.prompt(questions[0]) == hostile("Gift prompt")
    assert view.prompt(questions[1]) == hostile("Gift html")
    assert view.prompt(questions[2]) == f"Fill {SCRIPT} the _____ word."
    view.answer_all([0, True, hostile("gap")])
    assert view.submit().startswith("You scored 100%")
    first = view.node(questions[0])
    assert text_of(first.locator(".cp-option-feedback").first) == hostile("Gift feedback")
    assert text_of(first.locator(".cp-explanation")) == hostile("Gift general")
    audit(frame)


def watch_dialogs(page) -> list[str]:
    dialogs: list[str] = []

    def seen(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", seen)
    return dialogs


def test_hostile_course_in_the_lms(hostile_course, build_package, lms_for):
    built = build_package(hostile_course, "scorm12")
    lms = lms_for(built)
    dialogs = watch_dialogs(lms.page)
    lms.launch()
    frame = lms.frame
    exercise_course(frame)
    answer_yaml_quiz(frame, hostile_course)
    answer_gift_quiz(frame)
    assert dialogs == []
    assert lms.page.evaluate("() => typeof window.pwned") == "undefined"
    # The learner's typed answer reached the LMS as data.
    responses = [i["student_response"] for i in lms.cmi()["interactions"].values()
                 if i["id"] == "yaml-quiz_fill"]
    assert responses == [hostile("Fill answer")]
    lms.course.locator("#cp-exit").click()
    assert dialogs == []


def test_hostile_course_on_the_web(hostile_course, build_package, new_page, guard):
    built = build_package(hostile_course, "web")
    guard.allow_files(built.output)
    page = new_page()
    dialogs = watch_dialogs(page)
    page.goto((built.output / "index.html").as_uri())
    page.locator("body.cp-js").wait_for(state="attached")
    exercise_course(page)
    answer_yaml_quiz(page, hostile_course)
    answer_gift_quiz(page)
    page.reload()
    page.locator("body.cp-js").wait_for(state="attached")
    assert visible_lessons(page) == ["gift-quiz"]
    audit(page)
    assert dialogs == []


# ---------------------------------------------------------------- what does not build

UNSAFE_LESSON = f"""Fine text.

[inline]({JS_URL})

<{JS_URL}>

[by reference][evil]

[upper case](JavaScript:window.pwned=3)

[vb](vbscript:msgbox)

![picture]({JS_URL})

[evil]: {JS_URL}
"""


def test_unsafe_links_are_build_errors(tmp_path):
    """javascript: (and other script) addresses in Markdown and quiz text stop the build with
    an error at their place, all reported at once, and nothing is written. A video address
    must be http(s)."""
    root = tmp_path / "unsafe"
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "course.yaml").write_text(dump({
        "id": "unsafe", "title": "Unsafe", "language": "en", "version": "1",
        "modules": [{"id": "m", "title": "M", "lessons": ["lessons/a.md", "quizzes/q.yaml"]}]}))
    (root / "lessons/a.md").write_text(front_matter({"title": "A"}, UNSAFE_LESSON))
    (root / "quizzes/q.yaml").write_text(dump({
        "title": "Q", "questions": [{
            "id": "one", "type": "single", "prompt": f"Which? [here]({JS_URL})",
            "options": [{"text": "Yes", "correct": True,
                         "feedback": f"[see]({JS_URL})"}, {"text": "No"}]}]}))
    video = tmp_path / "unsafe-video"
    (video / "lessons").mkdir(parents=True)
    (video / "course.yaml").write_text(dump({
        "id": "unsafe-video", "title": "Unsafe video", "language": "en", "version": "1",
        "modules": [{"id": "m", "title": "M", "lessons": ["lessons/v.md"]}]}))
    (video / "lessons/v.md").write_text(front_matter(
        {"title": "V", "video": {"url": JS_URL}}, "A video.\n"))
    from coursepack.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(root), str(video), "--target", "scorm12",
                                       "--target", "web", "--out", str(out), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    report = json.loads(result.output[result.output.index("{"):])
    errors = {(Path(d["file"]).name, d["line"], d["code"]) for d in report["diagnostics"]
              if d["severity"] == "error"}
    lines = UNSAFE_LESSON.split("\n")

    def line_of(start: str) -> int:       # the body starts on line 4, after the front matter
        return 4 + next(n for n, line in enumerate(lines) if line.startswith(start))

    expected = {("a.md", line_of(start), "unsafe-link")
                for start in ("[inline]", "<javascript:", "[by reference]", "[upper case]",
                              "[vb]")}
    expected.add(("a.md", line_of("![picture]"), "external-resource"))
    assert expected <= errors, sorted(errors)
    assert any(name == "v.md" and code == "bad-value" for name, _, code in errors), errors
    quiz_errors = [e for e in errors if e[0] == "q.yaml"]
    assert quiz_errors and {code for _, _, code in quiz_errors} == {"unsafe-link"}, errors
    for d in report["diagnostics"]:
        assert d["hint"], d
    leftovers = [p for p in out.rglob("*") if p.is_file()
                 and ".cache" not in p.relative_to(out).parts] if out.exists() else []
    assert leftovers == [], leftovers
