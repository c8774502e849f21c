"""Transcript readers, timing rules and derived captions."""

from pathlib import Path

import pytest

from conftest import EXAMPLE, MINIMAL, write_course
from coursepack.captions import MAX_LINE, captions_for, captions_vtt, chapters_vtt
from coursepack.diagnostics import Report
from coursepack.load.transcript import read_transcript
from coursepack.pipeline import check
from coursepack.timecode import parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"


def read(name_or_path, duration=None):
    report = Report()
    path = name_or_path if isinstance(name_or_path, Path) else FIXTURES / name_or_path
    return read_transcript(path, report, duration), report


def rows(transcript):
    return [(c.start, c.end, c.speaker, c.text, c.source.line) for c in transcript.cues]


@pytest.mark.parametrize("text, ms", [
    ("1:01", 61_000), ("01:01", 61_000), ("1:01:05", 3_665_000), ("00:01:05.250", 65_250),
    ("00:01:05,250", 65_250), ("75:30", 4_530_000), ("0:05.5", 5_500), ("99:99", None),
    ("1:60:00", None), ("-0:05", None), ("abc", None), ("12", 12_000),
])
def test_times_as_people_write_them(text, ms):
    assert parse_time(text) == ms


def test_webvtt_with_settings_voices_notes_styles_and_hours():
    t, report = read("interview.vtt")
    assert report.items == [] and t.format == "vtt"
    assert rows(t) == [
        (1000, 4500, "Jon Glasby", "Leadership is not heroic.", 12),
        (4500, 8000, "Ann Smith", "It is about people\nworking together.", 15),
        (3_602_250, 3_605_000, "", "An hour in, still talking & listening.", 19),
    ]
    assert t.cues[0].settings == "position:10% align:start line:85%"


def test_srt_with_bom_crlf_and_hours():
    t, report = read("export.srt")
    assert report.items == [] and t.format == "srt"
    assert rows(t) == [
        (1000, 3200, "", "First subtitle", 2),
        (3500, 6000, "", "Second line one\nsecond line two", 6),
        (3_723_004, 3_725_000, "", "Hour-long times", 11),
    ]


def test_plain_text_in_every_written_form():
    t, report = read("mixed.txt", duration=3_680_000)
    assert rows(t) == [
        (0, 5000, "Host", "Welcome to the programme.", 3),
        (5000, 70_000, "Guest Speaker", "Thanks for having me. It is good to be here.", 4),
        (70_000, 3_665_000, "", "Back to the studio.", 6),
        (3_665_000, 3_669_250, "", "An hour later.", 7),
        (3_669_250, 3_672_500, "", "With milliseconds, comma below.", 8),
        (3_672_500, 3_680_000, "", "The last words.", 9),
    ]
    assert [(d.code, d.line) for d in report.items] == [("transcript-preamble", 1)]


def test_seed_segments_and_estimated_end():
    t, report = read("segments.txt")
    assert [(c.label, c.start, c.end) for c in t.cues] == [("Segment 1", 0, 29_000),
                                                           ("Segment 2", 29_000, 31_000)]
    assert [(d.code, d.severity, d.line) for d in report.items] == [
        ("transcript-end-estimated", "warning", 4)]


@pytest.mark.parametrize("name, text, code, line", [
    ("bad.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:0x.000 --> 00:00:05.000\nbroken\n",
     "bad-timestamp", 6),
    ("bad.txt", "[00:00] fine\n[99:99] not a time\n", "bad-timestamp", 2),
    ("neg.txt", "[00:00] fine\n[-0:05] negative\n", "bad-timestamp", 2),
    ("notes.md", "just some words\nwithout times\n", "transcript-format", 1),
    ("nothing.vtt", "WEBVTT\n\nNOTE only a note\n", "transcript-empty", 1),
    ("srt.srt", "this is not srt\n", "transcript-format", 1),
])
def test_unreadable_transcripts(tmp_path, name, text, code, line):
    path = tmp_path / name
    path.write_text(text)
    _, report = read(path)
    assert (code, line) in [(d.code, d.line) for d in report.items]


VIDEO_LESSON = """
    ---
    title: A talk
    video:
      src: ../media/talk.webm
      duration: {duration}
      transcript: ../media/talk.{ext}
    ---
    About the talk.
    """


def video_course(tmp_path, transcript: str, ext="vtt", duration="0:30"):
    files = dict(MINIMAL)
    files["lessons/one.md"] = VIDEO_LESSON.format(duration=duration, ext=ext)
    files[f"media/talk.{ext}"] = transcript
    files["media/talk.webm"] = "not really a video"
    return write_course(tmp_path / "c", files)


@pytest.mark.parametrize("cues, code, line", [
    ("00:00:05.000 --> 00:00:02.000\nbackwards\n", "cue-end-before-start", 3),
    ("00:00:05.000 --> 00:00:05.000\nno time at all\n", "cue-zero-length", 3),
    ("00:00:05.000 --> 00:00:06.000\nlater\n\n00:00:01.000 --> 00:00:02.000\nearlier\n",
     "cue-out-of-order", 6),
    ("00:00:01.000 --> 00:00:06.000\nfirst\n\n00:00:05.000 --> 00:00:08.000\nsecond\n",
     "cue-overlap", 6),
    ("00:00:25.000 --> 00:00:40.000\ntoo late\n", "cue-beyond-video", 3),
    ("00:00:01.000 --> 00:00:02.000\n&nbsp;\n", "cue-empty", 3),
    ("00:00:01.000 --> 00:00:01.400\nA caption that the timing rushes.\n", "caption-timing", 3),
])
def test_timing_rules(tmp_path, cues, code, line):
    course = video_course(tmp_path, "WEBVTT\n\n" + cues)
    report = Report()
    check(course, report)
    found = [(d.code, Path(d.file).name, d.line) for d in report.items]
    assert (code, "talk.vtt", line) in found, found


def test_video_needs_one_source_and_valid_duration(tmp_path):
    course = video_course(tmp_path, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n",
                          duration="soon")
    text = (course / "lessons" / "one.md").read_text().replace("  src: ../media/talk.webm\n", "")
    (course / "lessons" / "one.md").write_text(text)
    report = Report()
    check(course, report)
    assert sorted(d.code for d in report.items) == ["bad-duration", "video-source"]


def test_external_video_is_a_warning(tmp_path):
    course = video_course(tmp_path, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n")
    text = (course / "lessons" / "one.md").read_text().replace(
        "src: ../media/talk.webm", "url: https://video.example.org/talk.mp4")
    (course / "lessons" / "one.md").write_text(text)
    report = Report()
    checked = check(course, report)
    assert checked.ok and [d.code for d in report.items] == ["external-video"]


@pytest.mark.parametrize("url", ["https://example.org;script-src/v.mp4", "https:///v.mp4",
                                 "https://*.org/v.mp4", "https://example.org'/v.mp4",
                                 "https://user:secret@example.org/v.mp4"])
def test_external_video_needs_a_plain_host(tmp_path, url):
    """The host goes into the page's Content-Security-Policy: no wildcard, no new directive."""
    course = video_course(tmp_path, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n")
    text = (course / "lessons" / "one.md").read_text().replace(
        "src: ../media/talk.webm", f'url: "{url}"')
    (course / "lessons" / "one.md").write_text(text)
    report = Report()
    assert not check(course, report).ok
    [error] = [d for d in report.items if d.severity == "error"]
    assert error.code == "bad-value" and error.file.endswith("one.md") and error.line == 4
    assert "with a host name" in error.hint


def test_example_captions_are_readable():
    report = Report()
    checked = check(EXAMPLE, report)
    assert checked.ok and report.items == []
    [video] = [lesson.video for lesson in checked.course.lessons if lesson.video]
    captions, notes = captions_for(video.transcript)
    assert notes == ()
    assert len(captions) > 15
    for cap in captions:
        assert 1 <= len(cap.lines) <= 2
        assert all(len(line) <= MAX_LINE for line in cap.lines)
        assert 1000 <= cap.end - cap.start <= 7000
    # no caption crosses the end of its paragraph; paragraphs' words all appear, in order
    for cue in video.transcript.cues:
        inside = [c for c in captions if cue.start <= c.start < cue.end]
        assert inside[-1].end == cue.end
        words = " ".join(" ".join(c.lines) for c in inside).split()
        assert words == cue.text.strip("“”").split()


def test_vtt_output_has_kind_language_and_chapters():
    t, _ = read("segments.txt", duration=40_000)
    text = captions_vtt(t, "en-GB")
    assert text.startswith("WEBVTT\nKind: captions\nLanguage: en-GB\n\n00:00:00.000 --> ")
    chapters = chapters_vtt(t, "en-GB")
    assert "00:00:29.000 --> 00:00:40.000\nSegment 2: Second part." in chapters
    t, _ = read("interview.vtt")
    kept = captions_vtt(t, "en")
    assert "00:00:01.000 --> 00:00:04.500 position:10% align:start line:85%\n" in kept
    assert "An hour in, still talking &amp; listening." in kept
    assert chapters_vtt(t, "en") is None


def test_webvtt_header_and_time_forms_are_held_to_the_format(tmp_path):
    course = video_course(tmp_path, "WEBVTTX\n\n00:01.000 --> 00:02.000\nhi\n")
    report = Report()
    check(course, report)
    assert [(d.code, d.line) for d in report.items] == [("transcript-format", 1)]
    course = video_course(tmp_path / "b", "WEBVTT - a title\n\n00:01.5 --> 00:03.000\nhi\n")
    report = Report()
    assert check(course, report).ok
    assert [(d.code, d.severity, d.line, d.column) for d in report.items] == [
        ("timestamp-form", "warning", 3, 1)]
