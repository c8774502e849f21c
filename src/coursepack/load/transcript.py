"""Transcripts in the forms video tools and people produce, into one list of cues.

- WebVTT and SRT go through webvtt-py. It reports no line numbers and skips cue blocks it
  cannot read, so we find each cue's timing line ourselves and report any timing line it did
  not turn into a cue.
- Plain text is read here: `Segment 1 (00:29): ...`, `[01:05] ...`, `01:05 ...`,
  `(00:01:05.250) ...`, each optionally with a `Name:` speaker prefix; the text runs on until
  the next timed line.

Cues with no end time end where the next one starts; the last one at the video's duration,
or at an estimate from the reading speed (with a warning).
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

from msgspec.structs import replace

from .. import lazyre
from ..diagnostics import Report, Source, display_path, shorten
from ..model import Cue, Transcript
from ..timecode import TIME, parse_time
from .files import read_text

WORDS_PER_SECOND = 2.5  # about 150 words a minute, a common speaking rate
FORMATS = {".vtt": "vtt", ".srt": "srt", ".txt": "plain", ".text": "plain"}

_SEGMENT = lazyre.compile(rf"^(?P<label>(?:Segment|Part|Chapter|Section)\s+\d+)\s*\(\s*(?P<time>{TIME})\s*\)\s*:?\s*(?P<rest>.*)$",
                      re.IGNORECASE)
_BRACKETED = lazyre.compile(rf"^[\[(]\s*(?P<time>{TIME})\s*[\])]\s*[-–—:]?\s*(?P<rest>.*)$")
_BARE = lazyre.compile(rf"^(?P<time>{TIME})(?:\s*[-–—:]\s*|\s+|$)(?P<rest>.*)$")
# something that looks meant as a time at the start of a line, valid or not
_TIMELIKE = lazyre.compile(r"^(?:(?:Segment|Part|Chapter|Section)\s+\d+\s*\()?[\[(]?\s*-?\d+:\d+\S*",
                       re.IGNORECASE)
_SPEAKER = lazyre.compile(r"^(?P<name>[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}):\s+(?P<text>\S.*)$")
_VTT_TIMING = lazyre.compile(r"^\s*(\S+)\s+-->\s+(\S+)(.*)$")
_VTT_HEADER = lazyre.compile(r"WEBVTT(?:[ \t].*)?\s*$")
# a time as WebVTT writes it (SRT: hours always there, a comma; a point is taken too)
_STRICT_TIME = lazyre.compile(r"(?:\d{2,}:)?[0-5]\d:[0-5]\d[.,]\d{3}$")
_VOICE = lazyre.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")


def detect_format(path: Path, text: str) -> str | None:
    if text.lstrip().startswith("WEBVTT"):
        return "vtt"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt:
        return fmt
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.isdigit() and "-->" in text:
        return "srt"
    if _SEGMENT.match(first) or _BRACKETED.match(first) or _BARE.match(first):
        return "plain"
    return None


def read_transcript(path: Path, report: Report, duration: int | None) -> Transcript | None:
    """Read one transcript file; problems go into report. duration in ms, if known."""
    source = Source(display_path(path))
    errors_before = report.errors
    text = read_text(path, report)
    if text is None:
        return None
    fmt = detect_format(path, text)
    if fmt is None:
        report.error("transcript-format", "cannot tell what kind of transcript this is",
                     source.at(1, 1), "use WebVTT (.vtt), SubRip (.srt), or plain text with "
                     "a time at the start of each part, e.g. '[01:05] text' (.txt)")
        return None
    if fmt == "plain":
        cues = _read_plain(text, source, report)
    else:
        cues = _read_webvtt(text, fmt, source, report)
    if cues is None:
        return None
    if not cues:
        if report.errors == errors_before:   # else why is reported already
            report.error("transcript-empty", "the transcript has no timed cues",
                         source.at(1, 1), "each part of the transcript needs a start time")
        return None
    return Transcript(tuple(_fill_ends(cues, duration, report)), fmt, path, source)


# ---- plain text ---------------------------------------------------------------------------

def _read_plain(text: str, source: Source, report: Report) -> list[Cue]:
    cues: list[Cue] = []
    open_cue: dict | None = None
    preamble_line = 0
    timed = False   # a line starting with a time has been seen, readable or not

    def close() -> None:
        if open_cue is None:
            return
        body = " ".join(" ".join(open_cue["lines"]).split())
        speaker = ""
        m = _SPEAKER.match(body)
        if m:
            speaker, body = m.group("name"), m.group("text")
        cues.append(Cue(open_cue["start"], -1, body, open_cue["where"], speaker,
                        open_cue["label"]))

    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        match = _SEGMENT.match(stripped) or _BRACKETED.match(stripped) or _BARE.match(stripped)
        if match:
            timed = True
            start = parse_time(match.group("time"))
            indent = len(line) - len(line.lstrip())
            where = source.at(number, indent + match.start("time") + 1)
            close()
            if start is None:
                report.error("bad-timestamp", f"'{match.group('time')}' is not a valid time",
                             where, "write times as m:ss, mm:ss or h:mm:ss, seconds below 60")
                open_cue = None
                continue
            label = match.groupdict().get("label") or ""
            open_cue = {"start": start, "where": where, "label": label,
                        "lines": [match.group("rest")]}
        elif _TIMELIKE.match(stripped):
            timed = True
            report.error("bad-timestamp", f"cannot read the time at the start of "
                         f"'{stripped[:30]}'", source.at(number, len(line) - len(line.lstrip()) + 1),
                         "write times as m:ss, mm:ss or h:mm:ss, e.g. [01:05]")
            close()
            open_cue = None
        elif open_cue is not None:
            open_cue["lines"].append(stripped)
        elif stripped and not preamble_line and not timed:
            preamble_line = number
    close()
    if preamble_line:
        report.warning("transcript-preamble", "text before the first time is not part of "
                       "the transcript", source.at(preamble_line, 1),
                       "move it into the lesson, or give it a time")
    return cues


# ---- WebVTT and SRT through webvtt-py ----------------------------------------------------------

def _read_webvtt(text: str, fmt: str, source: Source, report: Report) -> list[Cue] | None:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = webvtt.WebVTT.from_buffer(io.StringIO(text), format=fmt).captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        what = "WebVTT" if fmt == "vtt" else "SubRip (SRT)"
        hint = ("a WebVTT file starts with the line 'WEBVTT'" if fmt == "vtt"
                else "an SRT file starts with a cue number, then a timing line")
        report.error("transcript-format", f"not a readable {what} file: {exc}",
                     source.at(1, 1), hint)
        return None
    lines = text.split("\n")
    if fmt == "vtt" and not _VTT_HEADER.match(lines[0].lstrip("\ufeff")):
        report.error("transcript-format", "not a WebVTT file: its first line must be "
                     "'WEBVTT', alone or followed by a space and a title", source.at(1, 1),
                     "write 'WEBVTT' on the first line")
        return None
    timing_lines = [(n, _VTT_TIMING.match(line)) for n, line in enumerate(lines, start=1)
                    if "-->" in line]

    cues: list[Cue] = []
    cursor = 0
    for caption in captions:
        start, end = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
        line_no = 0
        while cursor < len(timing_lines):
            n, m = timing_lines[cursor]
            cursor += 1
            if m and parse_time(m.group(1)) == start and parse_time(m.group(2)) == end:
                line_no = n
                _loose_times(m, lines[n - 1], source.at(n, 1), fmt, report)
                break
            _bad_timing(lines[n - 1], source.at(n, 1), report)
        speaker = caption.voice or ""
        if not speaker:
            v = _VOICE.search(caption.raw_text)
            speaker = v.group(1).strip() if v else ""
        speaker = html.unescape(speaker)      # escaped like the cue text: <v Tom &amp; Jerry>
        body = "\n".join(html.unescape(line.strip()) for line in caption.text.split("\n")
                         if line.strip())
        cues.append(Cue(start, end, body, source.at(line_no or 1, 1), speaker,
                        settings=_settings(caption)))
    for n, _ in timing_lines[cursor:]:
        _bad_timing(lines[n - 1], source.at(n, 1), report)
    return cues


def _loose_times(timing, line: str, where: Source, fmt: str, report: Report) -> None:
    """A time read alike by both readers, but not written as the format has it ('00:19.5'):
    a warning, as another player may read it otherwise, or not at all."""
    loose = [t for t in timing.groups()[:2] if not _STRICT_TIME.match(t)]
    if loose:
        report.warning("timestamp-form", f"the time '{shorten(loose[0], 20)}' is not written "
                       "as the format has it (hours optional, then mm:ss and three digits of "
                       "milliseconds)", where.at(where.line, line.find(loose[0]) + 1),
                       "write times as 00:01:02.500" + (", with a comma in SRT"
                                                        if fmt == "srt" else ""))


def _settings(caption) -> str:
    """The cue settings as written (position, align, line...), kept for the caption track."""
    settings = caption.settings
    return str(settings).strip() if settings else ""


def _bad_timing(line: str, where: Source, report: Report) -> None:
    report.error("bad-timestamp", f"cannot read the cue timing '{line.strip()[:60]}'", where,
                 "write 'hh:mm:ss.mmm --> hh:mm:ss.mmm' (SRT: a comma before the milliseconds)")


# ---- end times ------------------------------------------------------------------------------

def _fill_ends(cues: list[Cue], duration: int | None, report: Report) -> list[Cue]:
    out = []
    for i, cue in enumerate(cues):
        if cue.end >= 0:
            out.append(cue)
            continue
        # A part ends where the next one starts, or with the video. A time out of order, or
        # past the video's end, is then reported at the part where it is written.
        following = cues[i + 1].start if i + 1 < len(cues) else None
        if following is not None and following >= cue.start:
            end = following
            if duration is not None and cue.start < duration < end:
                end = duration
        elif duration is not None and duration > cue.start:
            end = duration
        else:
            words = max(1, len(cue.text.split()))
            end = cue.start + int(1000 * max(2.0, words / WORDS_PER_SECOND))
            if duration is None and following is None:
                report.warning("transcript-end-estimated", "the last part has no end time; "
                               f"estimated from its length ({words} words)", cue.source,
                               "give the video's length as 'duration:' in the lesson's video")
        out.append(replace(cue, end=end))
    return out
