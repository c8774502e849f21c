"""Properties of the text parsers, for any input: times, plain transcripts, WebVTT written
and read back, the caption splitter, plain reference entries, the citation syntax, YAML with
positions, and line endings. No exception escapes, every diagnostic has a line in the file,
and what coursepack writes it reads back as it was.

(GIFT and the reference files have their own in test_gift.py and test_references.py.)"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import cited
from coursepack import commonmark
from coursepack.captions import (MAX_LINE, MAX_LINES, _short_words, _span_fits,
                                 _strip_wrapping_quotes, captions_vtt, fits, split_cue,
                                 transcript_text, transcript_vtt)
from coursepack.diagnostics import Report, Source
from coursepack.load.gift import read_gift_file
from coursepack.load.references import read_references
from coursepack.load.reftext import key_base, page_range, parse_date, parse_entry, parse_names
from coursepack.load.transcript import read_transcript
from coursepack.load.yamlpos import parse_yaml
from coursepack.model import Cue, Transcript
from coursepack.timecode import clock, parse_time, vtt_time

HOUR = 3_600_000
WHERE = Source("t.vtt", 1, 1)
WORD = st.text("abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=12)
LINE_TEXT = st.lists(WORD, min_size=1, max_size=12).map(" ".join)


def read_file(name: str, text: str, reader):
    """Write text to a file of that name and read it with reader(path, report)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(text.encode("utf-8"))
        report = Report()
        return reader(path, report), report


def lines_of(text: str) -> int:
    return len(re.split(r"\r\n|\r|\n", text))


def located(report: Report, text: str) -> bool:
    return all(1 <= d.line <= lines_of(text) and d.column >= 1 for d in report.items)


# ---- times -------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.integers(0, 999 * HOUR + HOUR - 1))
def test_vtt_time_reads_back_as_written(ms):
    assert parse_time(vtt_time(ms)) == ms
    assert parse_time(vtt_time(ms).replace(".", ",")) == ms      # SRT's comma
    assert parse_time(clock(ms)) == ms // 1000 * 1000             # whole seconds


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 999), st.integers(0, 999), st.integers(0, 99), st.integers(0, 999),
       st.booleans())
def test_written_times_parse_to_their_parts_or_not_at_all(h, m, s, frac, hours):
    text = f"{h}:{m:02d}:{s:02d}.{frac:03d}" if hours else f"{m}:{s:02d}.{frac:03d}"
    expected = ((h * 60 + m) * 60 + s) * 1000 + frac if hours else (m * 60 + s) * 1000 + frac
    valid = s < 60 and (m < 60 or not hours)
    assert parse_time(text) == (expected if valid else None)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_a_time_or_none(text):
    ms = parse_time(text)
    assert ms is None or (isinstance(ms, int) and ms >= 0)


# ---- plain transcripts -------------------------------------------------------------------------

PLAIN_PIECES = st.sampled_from([
    "[00:05]", "[1:02:03]", "(00:01:05.250)", "00:10", "Segment 1 (00:29):", "Part 2 (1:05)",
    "[99:99]", "[-0:05]", "[1:60:00]", "[]", "[", "(", ":", " ", "\t", "\n", "\r\n", "\r",
    "Ann:", "Jon Glasby:", "words", "more words", "é", "\u2028", "-->", "0:", "12",
])
PLAIN_TEXT = st.text(max_size=120) | st.lists(PLAIN_PIECES, max_size=25).map("".join)


@settings(max_examples=100, deadline=None)
@given(PLAIN_TEXT)
def test_any_plain_transcript_gives_cues_or_located_diagnostics(text):
    transcript, report = read_file("t.txt", text, lambda p, r: read_transcript(p, r, None))
    assert located(report, text)
    if transcript is None:
        assert report.errors
        return
    assert all(1 <= cue.source.line <= lines_of(text) for cue in transcript.cues)
    assert all(cue.end >= 0 for cue in transcript.cues)


SPEAKER = st.sampled_from(["", "Ann", "Jon Glasby", "Dr. West"])
PART = st.tuples(st.integers(0, 10 * 3600), SPEAKER, LINE_TEXT)


@settings(max_examples=50, deadline=None)
@given(st.lists(PART, min_size=1, max_size=8, unique_by=lambda part: part[0]))
def test_transcript_download_reads_back_as_the_transcript(parts):
    parts = sorted(parts)
    cues = tuple(Cue(start * 1000, start * 1000 + 500, text, WHERE, speaker)
                 for start, speaker, text in parts)
    written = transcript_text(Transcript(cues, "plain", Path("t.txt"), WHERE))
    transcript, report = read_file("t.txt", written, lambda p, r: read_transcript(p, r, None))
    assert report.errors == 0
    assert [(c.start, c.speaker, c.text) for c in transcript.cues] == \
        [(c.start, c.speaker, c.text) for c in cues]


# ---- WebVTT written by coursepack, read back ----------------------------------------------------

CUE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                   min_size=1, max_size=40).filter(lambda s: s.strip())


@st.composite
def timed_cues(draw, text=CUE_TEXT):
    """Cues in order, not overlapping, each at least 1 ms long."""
    count = draw(st.integers(1, 8))
    at, cues = 0, []
    for _ in range(count):
        start = at + draw(st.integers(0, 5 * HOUR))
        end = start + draw(st.integers(1, 60_000))
        speaker = draw(st.sampled_from(["", "Ann", "Jon Glasby"]))
        cues.append(Cue(start, end, draw(text), WHERE, speaker))
        at = end
    return tuple(cues)


@settings(max_examples=60, deadline=None)
@given(timed_cues())
def test_transcript_vtt_reads_back_with_the_same_times_text_and_speakers(cues):
    written = transcript_vtt(Transcript(cues, "vtt", Path("t.vtt"), WHERE), "en")
    transcript, report = read_file("t.vtt", written, lambda p, r: read_transcript(p, r, None))
    assert report.errors == 0, [d.message for d in report.items]
    assert [(c.start, c.end, c.speaker, c.text) for c in transcript.cues] == \
        [(c.start, c.end, c.speaker, " ".join(c.text.split())) for c in cues]


@settings(max_examples=30, deadline=None)
@given(timed_cues(text=LINE_TEXT))
def test_captions_vtt_reads_back_with_the_captions_times(cues):
    transcript = Transcript(cues, "vtt", Path("t.vtt"), WHERE)
    written = captions_vtt(transcript, "en")
    captions = [cap for cue in cues for cap in split_cue(cue)]
    back, report = read_file("c.vtt", written, lambda p, r: read_transcript(p, r, None))
    assert report.errors == 0
    assert [(c.start, c.end, c.text.split()) for c in back.cues] == \
        [(c.start, c.end, " ".join(c.lines).split()) for c in captions]


# ---- the caption splitter -----------------------------------------------------------------------

LONG_WORD = st.text("abcdefghij", min_size=43, max_size=100)


@settings(max_examples=150, deadline=None)
@given(st.lists(WORD | st.sampled_from(["and", "but", "so,", "end.", "–", "“quoted”"]),
                min_size=1, max_size=60),
       st.integers(1, 120_000), st.integers(0, HOUR), st.booleans(),
       st.lists(LONG_WORD, max_size=2))
def test_captions_keep_words_times_and_fit_where_the_words_allow(words, duration, start,
                                                                  newline, long_words):
    words = words + long_words
    text = ("\n" if newline else " ").join(words)
    cue = Cue(start, start + duration, text, WHERE)
    captions = split_cue(cue)
    assert captions
    # every word, in order (quotes around the whole text are left out; a word longer than a
    # line is broken into hyphenated pieces)
    kept = " ".join(line for cap in captions for line in cap.lines).split()
    assert kept in (_short_words(text.split()),
                    _strip_wrapping_quotes(" ".join(_short_words(text.split()))).split())
    # times: within the cue, in order, one caption after the other
    assert captions[0].start == cue.start and captions[-1].end == cue.end
    assert all(a.end == b.start for a, b in zip(captions, captions[1:]))
    assert all(cap.start <= cap.end for cap in captions)
    # at most 2 lines of at most 42 characters
    assert all(len(cap.lines) <= MAX_LINES and all(len(x) <= MAX_LINE for x in cap.lines)
               for cap in captions)
    if long_words:
        assert "".join(kept).replace("-", "").endswith("".join(long_words))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=1, max_size=14), st.data())
def test_caption_span_check_agrees_with_the_wrapper(lengths, data):
    words = ["x" * n for n in lengths]
    ends = [0]
    for word in words:
        ends.append(ends[-1] + len(word) + 1)
    i = data.draw(st.integers(0, len(words) - 1))
    j = data.draw(st.integers(i + 1, len(words)))
    assert _span_fits(ends, i, j) == fits(" ".join(words[i:j]))


# ---- plain reference entries --------------------------------------------------------------------

FAMILY = st.from_regex(r"[A-Z][a-z]{2,10}", fullmatch=True)
TITLE = st.lists(st.from_regex(r"[a-z]{2,9}", fullmatch=True), min_size=1, max_size=6).map(
    lambda ws: " ".join(ws).capitalize())
PUBLISHER = st.lists(FAMILY, min_size=1, max_size=3).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(FAMILY, st.from_regex(r"[A-Z]", fullmatch=True), st.integers(1500, 2099), TITLE,
       PUBLISHER)
def test_harvard_entries_read_back_as_written(family, initial, year, title, publisher):
    fields = parse_entry(f"{family}, {initial}. ({year}) {title}. {publisher}.")
    assert fields is not None
    assert [(n.family, n.given) for n in fields["authors"]] == [(family, f"{initial}.")]
    assert (fields["issued"], fields["title"], fields["publisher"]) == ((year,), title, publisher)
    assert key_base(fields["authors"], year) == f"{family.lower()}{year}"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_names_dates_and_pages_of_any_text(text):
    names = parse_names(text)
    assert all(n.family or n.given or n.literal for n in names)
    date = parse_date(text)
    assert len(date) <= 3 and (len(date) < 2 or 1 <= date[1] <= 12)
    assert page_range(page_range(text)) == page_range(text)
    assert re.fullmatch(r"[a-z0-9]+nd", key_base(names, None, text))


# ---- the citation syntax ------------------------------------------------------------------------

KEY = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_:.#$%&+?<>~/-]{0,20}[A-Za-z0-9_]", fullmatch=True)
LOCATOR = st.sampled_from([("", ""), ("p. 4", "page"), ("pp. 4-6", "page"),
                           ("chap. 2", "chapter"), ("sec. 3", "section"), ("12", "page")])
PREFIX = st.sampled_from(["", "see", "e.g.", "compare"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(PREFIX, st.booleans(), KEY, LOCATOR), min_size=1, max_size=4))
def test_bracketed_citations_read_back_as_written(items):
    parts = []
    for prefix, minus, key, (locator, _) in items:
        written = f"{prefix} " if prefix else ""
        written += ("-" if minus else "") + f"@{key}" + (f", {locator}" if locator else "")
        parts.append(written)
    clusters = cited(f"As shown [{'; '.join(parts)}] here.")
    assert len(clusters) == 1 and not clusters[0].in_text
    got = [(i.prefix, i.suppress_author, i.key, i.label, i.locator) for i in clusters[0].items]
    assert got == [(prefix, minus, key, label, locator.split(" ")[-1] if label else "")
                   for prefix, minus, key, (locator, label) in items]


@settings(max_examples=80, deadline=None)
@given(KEY, LOCATOR)
def test_in_text_citations_read_back_as_written(key, locator):
    text, label = locator
    clusters = cited(f"Then @{key}" + (f" [{text}]" if text else "") + " says so.")
    assert len(clusters) == 1 and clusters[0].in_text
    item = clusters[0].items[0]
    assert (item.key, item.label) == (key, label)


@settings(max_examples=50, deadline=None)
@given(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,11}@[a-z0-9-]{1,10}\.[a-z]{2,6}", fullmatch=True))
def test_email_addresses_are_not_citations(address):
    assert cited(f"Write to {address}, or [{address}].") == []


CITATION_PIECES = st.sampled_from(["[", "]", "@", "-@", "{", "}", ";", ",", "p.", "4", "see",
                                   " ", "\n", "a", "key", "(", ")", "*", "`", "\\", "#", ":"])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80) | st.lists(CITATION_PIECES, max_size=40).map("".join))
def test_any_markdown_parses_and_renders(text):
    commonmark.Writer().write(commonmark.events(text))
    for cluster in cited(text):
        assert cluster.items and all(item.key for item in cluster.items)
        assert cluster.raw in text


# ---- YAML with positions ------------------------------------------------------------------------

NESTED = st.recursive(st.sampled_from(["x", 1, "a: b", "- c", None]),
                      lambda inner: st.lists(inner, min_size=1, max_size=2) |
                      st.dictionaries(st.sampled_from(["k", "key: x", "- y"]), inner,
                                      min_size=1, max_size=2), max_leaves=40)


@settings(max_examples=150, deadline=None)
@given(NESTED, st.sampled_from([False, True, None]), st.sampled_from([2, 4]))
def test_the_yaml_depth_bound_is_never_below_the_depth(data, flow, indent):
    """Texts whose bound is low enough skip the parse that finds too-deep nesting."""
    import yaml

    from coursepack.load.yamlpos import _depth_bound
    text = yaml.safe_dump(data, default_flow_style=flow, indent=indent)
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    assert _depth_bound(text) >= deepest

YAML_PIECES = st.sampled_from([
    "a", "b", ": ", ":", "- ", "-", "[", "]", "{", "}", ",", "&x ", "*x", "!!int ", "!!str ",
    "!!timestamp ", "<<: ", "? ", "'", '"', "\\u", "#", "\n", "  ", "\t", "\r", "\u2028",
    "\x85", "1e400", ".nan", "2024-13-45", "~", "|", ">", "---", "...", "%YAML 1.1",
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3), st.text(max_size=60) | st.lists(YAML_PIECES, max_size=30).map("".join))
def test_any_yaml_gives_data_or_located_diagnostics(offset, text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")      # as read_text gives it
    report = Report()
    doc = parse_yaml(text, Source("x.yaml"), report, line_offset=offset)
    assert all(1 + offset <= d.line <= text.count("\n") + 1 + offset and d.column >= 1
               for d in report.items), [(d.line, d.message) for d in report.items]
    if doc is None:
        assert report.errors
        return
    assert all(1 + offset <= p.line <= text.count("\n") + 1 + offset
               for p in doc.values.values())


# ---- line endings -------------------------------------------------------------------------------

READERS = {
    "t.txt": lambda p, r: read_transcript(p, r, None),
    "t.vtt": lambda p, r: read_transcript(p, r, None),
    "q.gift": read_gift_file,
    "r.txt": read_references,
    "r.ris": read_references,
}
ANY_SOURCE = st.lists(PLAIN_PIECES | CITATION_PIECES | st.sampled_from(
    ["WEBVTT\n\n", "00:00:01.000 --> 00:00:02.000", "{=a ~b}", "{T}", "TY  - BOOK", "ER  - ",
     "1. Bailey, S. (2019) A title. London."]), max_size=20).map("".join)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(READERS)), ANY_SOURCE)
def test_crlf_and_lone_cr_give_the_same_diagnostics_as_lf(name, text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    results = []
    for ending in ("\n", "\r\n", "\r"):
        _, report = read_file(name, text.replace("\n", ending), READERS[name])
        results.append(sorted((d.line, d.column, d.code) for d in report.items))
    assert results[0] == results[1] == results[2]
    assert all(1 <= line <= lines_of(text) for line, _, _ in results[0])


# ---- quiz texts: plain text skips the parser, with the same output ----------------------

def _plain_pattern() -> str:
    from coursepack import markdown
    return markdown._PLAIN_TEXT.pattern


FRAGMENT_TEXT = st.one_of(
    st.from_regex(_plain_pattern(), fullmatch=True),
    st.text(alphabet="Aa1 ,.;:?'%/()-*_`[]!<>&\\#+=~\"\n", min_size=1, max_size=24))


@settings(max_examples=400)
@given(FRAGMENT_TEXT, st.booleans())
def test_plain_quiz_text_renders_as_the_parser_would(text, inline):
    """Every text the fast path takes (plain text) gives what the parser gives, inline and
    as a block; texts with Markdown's marks in them go to the parser."""
    from coursepack import markdown
    if not markdown._PLAIN_TEXT.fullmatch(text):
        return
    writer = commonmark.Writer(raw_html=False)
    parsed = (markdown._inline_html(text, writer, None, None) if inline
              else writer.write(commonmark.events(text)).strip())
    assert markdown.render_fragment(text, None, None, None, None, None, inline) == parsed


# ---- BibTeX values: text with nothing LaTeX would change skips the decoder --------------

LATEX_TEXT = st.text(max_size=30) | st.text(
    alphabet="Aaé 1,.;:?!'\"-–`~{}$%&#^_\\\n\t", max_size=24)


@settings(max_examples=600, deadline=None)
@given(LATEX_TEXT)
def test_text_the_latex_check_passes_decodes_as_it_is(text):
    """references._LATEX finds everything LaTeX decoding may change (both decoders a .bib
    file's values and names go through); text without it is kept as it is, undecoded."""
    from bibtexparser.middlewares import LatexDecodingMiddleware
    from pylatexenc.latex2text import LatexNodes2Text

    from coursepack.load.references import _LATEX
    if _LATEX.search(text):
        return
    for decoder in (LatexDecodingMiddleware()._decoder, LatexNodes2Text()):
        assert decoder.latex_to_text(text) == text
