"""Captions people can read, derived from a transcript.

Common subtitle guidance: at most 2 lines of at most 42 characters, each cue on screen for
about 1 to 7 seconds, broken at sentence and then clause boundaries. A transcript paragraph
that is too long is split into several cues, its time shared out in proportion to the text;
no cue crosses the end of its paragraph. A cue that already fits is kept as written,
cue settings included.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache

from msgspec import Struct

from .model import Cue, Transcript
from .timecode import vtt_time

MAX_LINE = 42
MAX_LINES = 2
MIN_MS = 1000
MAX_MS = 7000

_WRAPPING_QUOTES = {("“", "”"), ('"', '"'), ("‘", "’"), ("'", "'")}


class Caption(Struct, frozen=True):
    start: int
    end: int
    lines: tuple[str, ...]
    settings: str = ""


class TimingNote(Struct, frozen=True):
    """A caption whose length the source timing forces outside 1-7 s."""
    cue: Cue
    duration: int


def fits(text: str) -> bool:
    if len(text) <= MAX_LINE:
        return True
    if len(text) > MAX_LINE * MAX_LINES + 1:
        return False
    lines = wrap(text)
    return len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines)


def wrap(text: str) -> list[str]:
    """One line if it fits, else two lines balanced in length, broken at a space
    (preferring a break after punctuation); longer texts give more lines."""
    words = text.split()
    line = " ".join(words)
    if len(line) <= MAX_LINE:
        return [line] if line else []
    best, first_len, total = None, -1, len(line)
    for i in range(1, len(words)):
        first_len += len(words[i - 1]) + 1           # length of words[:i] joined
        second_len = total - first_len - 1
        if first_len > MAX_LINE:
            break
        if second_len > MAX_LINE:
            continue
        score = abs(first_len - second_len) - (8 if words[i - 1][-1] in ",;:.!?" else 0)
        if best is None or score < best[0]:
            best = (score, i)
    if best:
        return [" ".join(words[:best[1]]), " ".join(words[best[1]:])]
    lines, current = [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > MAX_LINE:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return lines + ([current] if current else [])


def _strip_wrapping_quotes(text: str) -> str:
    text = text.strip()
    if len(text) > 2 and (text[0], text[-1]) in _WRAPPING_QUOTES:
        inner = text[1:-1]
        if text[0] not in inner and text[-1] not in inner:
            return inner.strip()
    return text


def _short_words(words: list[str]) -> list[str]:
    """Words longer than a line broken into line-long pieces: a long compound or an address
    with a hyphen at each break, text written without spaces (Chinese, Japanese) as it is."""
    if all(len(word) <= MAX_LINE for word in words):
        return words
    out = []
    for word in words:
        while len(word) > MAX_LINE:
            latin = word[MAX_LINE - 2:MAX_LINE].isascii()
            cut = MAX_LINE - 1 if latin else MAX_LINE
            out.append(word[:cut] + ("-" if latin else ""))
            word = word[cut:]
        out.append(word)
    return out


def split_cue(cue: Cue) -> list[Caption]:
    duration = cue.end - cue.start
    if "\n" in cue.text and all(len(x) <= MAX_LINE for x in cue.text.split("\n")) \
            and cue.text.count("\n") < MAX_LINES and duration <= MAX_MS:
        return [Caption(cue.start, cue.end, tuple(cue.text.split("\n")), cue.settings)]
    text = _strip_wrapping_quotes(" ".join(_short_words(cue.text.split())))
    if not text:
        return []
    if fits(text) and duration <= MAX_MS:
        return [Caption(cue.start, cue.end, tuple(wrap(text)), cue.settings)]
    chunks = _chunks(text.split(), duration)
    total = sum(len(c) + 1 for c in chunks)
    captions, at, used = [], cue.start, 0
    for i, chunk in enumerate(chunks):
        used += len(chunk) + 1
        end = cue.end if i == len(chunks) - 1 else cue.start + round(duration * used / total)
        captions.append(Caption(at, end, tuple(wrap(chunk))))
        at = end
    return captions


_CONJUNCTIONS = {"and", "but", "or", "so", "because", "which", "that", "who", "when", "where",
                 "while", "if", "then", "to", "of", "with", "from", "for", "in"}


def _break_cost(words: list[str], j: int) -> int:
    """How bad it is to end a caption after words[j - 1]: sentence end best, mid-phrase worst."""
    if j == len(words):
        return 0
    last = words[j - 1].rstrip("”’\"')]")
    if last.endswith((".", "!", "?", "…")):
        return 0
    if last.endswith((",", ";", ":")) or words[j] in ("–", "—"):
        return 2
    if words[j].lower() in _CONJUNCTIONS:
        return 4
    return 8


def _span_fits(ends: list[int], i: int, j: int) -> bool:
    """fits(" ".join(words[i:j])) from the words' end offsets, without building the text:
    one line, or a break between two words leaving both lines within MAX_LINE."""
    length = ends[j] - ends[i] - 1
    if length <= MAX_LINE:
        return True
    if length > MAX_LINE * MAX_LINES + 1:
        return False
    k = bisect_left(ends, ends[j] - MAX_LINE - 1, i + 1, j)    # the first short-enough 2nd line
    return k < j and ends[k] - ends[i] - 1 <= MAX_LINE


def _chunks(words: list[str], duration: int) -> list[str]:
    """Split words into captions at the least total cost (dynamic programming). Every
    caption fits in 2 lines of 42 characters and, timed by its share of the text, lasts at
    most 7 s where the text allows; flashes under 1 s and breaks inside a phrase cost more."""
    n = len(words)
    ms_per_char = duration / sum(len(w) + 1 for w in words)
    ends = [0]                       # ends[k] - ends[i] - 1: length of words[i:k] joined
    for word in words:
        ends.append(ends[-1] + len(word) + 1)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * n
    for j in range(1, n + 1):
        length = -1
        ending = _break_cost(words, j) + 3
        for i in range(j - 1, -1, -1):
            length += len(words[i]) + 1
            if length > MAX_LINE * MAX_LINES:
                break
            ms = (length + 1) * ms_per_char
            if ms > MAX_MS and i < j - 1:
                break
            if not _span_fits(ends, i, j):
                continue
            cost = best[i][0] + ending
            if ms < MIN_MS:
                cost += 30
            elif ms < 1500:
                cost += 5
            if cost < best[j][0]:
                best[j] = (cost, i)
    cuts, j = [], n
    while j > 0:
        i = best[j][1]
        cuts.append(" ".join(words[i:j]))
        j = i
    return cuts[::-1]


@lru_cache(maxsize=64)
def captions_for(transcript: Transcript) -> tuple[tuple[Caption, ...], tuple[TimingNote, ...]]:
    """All captions of a transcript, and the cues whose timing forces a length outside 1-7 s."""
    captions: list[Caption] = []
    notes: list[TimingNote] = []
    for cue in transcript.cues:
        parts = split_cue(cue)
        captions.extend(parts)
        for part in parts:
            length = part.end - part.start
            if length < MIN_MS or length > MAX_MS:
                notes.append(TimingNote(cue, length))
                break
    return tuple(captions), tuple(notes)


def captions_vtt(transcript: Transcript, language: str) -> str:
    captions, _ = captions_for(transcript)
    out = ["WEBVTT", "Kind: captions", f"Language: {language}", ""]
    for cap in captions:
        timing = f"{vtt_time(cap.start)} --> {vtt_time(cap.end)}"
        out += [f"{timing} {cap.settings}".rstrip(), *[_vtt_text(x) for x in cap.lines], ""]
    return "\n".join(out)


def chapters_vtt(transcript: Transcript, language: str) -> str | None:
    """A chapters track with one chapter per labelled part (e.g. 'Segment 2'); None if the
    transcript has no labelled parts."""
    cues = [c for c in transcript.cues if c.label]
    if not cues:
        return None
    out = ["WEBVTT", "Kind: chapters", f"Language: {language}", ""]
    for cue in cues:
        out += [f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}", _vtt_text(chapter_title(cue)), ""]
    return "\n".join(out)


def chapter_title(cue: Cue) -> str:
    words = _strip_wrapping_quotes(cue.text).split()
    opening = " ".join(words[:6]) + ("…" if len(words) > 6 else "")
    return f"{cue.label}: {opening}" if cue.label else opening


def _vtt_text(text: str) -> str:
    """Cue text with the characters WebVTT reserves escaped, and no '-->' inside."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def transcript_text(transcript: Transcript) -> str:
    """The plain-text download: one paragraph per cue with its time and speaker."""
    from .timecode import clock
    out = []
    for cue in transcript.cues:
        who = f"{cue.speaker}: " if cue.speaker else ""
        label = f"{cue.label} " if cue.label else ""
        out.append(f"{label}[{clock(cue.start)}] {who}{' '.join(cue.text.split())}")
    return "\n\n".join(out) + "\n"


def transcript_vtt(transcript: Transcript, language: str) -> str:
    """The transcript itself as WebVTT (one cue per part), for download."""
    out = ["WEBVTT", f"Language: {language}", ""]
    for cue in transcript.cues:
        text = " ".join(cue.text.split())
        if cue.speaker:
            text = f"<v {_vtt_text(cue.speaker)}>{_vtt_text(text)}"
        else:
            text = _vtt_text(text)
        out += [f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}", text, ""]
    return "\n".join(out)
