"""Rules over the whole course model that no single file can check on its own."""

from __future__ import annotations

from .captions import captions_for
from .diagnostics import Report
from .model import Course, Video
from .timecode import clock

# Far beyond any real course; keeps the progress record (suspend_data) within bounds.
MAX_LESSONS = 2000


def check_course(course: Course, report: Report) -> None:
    """Add a diagnostic for every cross-object problem found in the course."""
    seen_modules: dict[str, object] = {}
    for module in course.modules:
        if not module.id:
            continue  # reported as missing already
        if module.id in seen_modules:
            report.error("duplicate-id", f"module id '{module.id}' is used twice", module.source,
                         f"the first use is at {seen_modules[module.id]}; ids must be unique")
        else:
            seen_modules[module.id] = module.source
    seen_lessons: dict[str, object] = {}
    for lesson in course.lessons:
        if lesson.id in seen_lessons:
            report.error("duplicate-id", f"lesson id '{lesson.id}' is used twice", lesson.source,
                         f"the first use is {seen_lessons[lesson.id]}; set a different 'id:' "
                         "in the front matter")
        else:
            seen_lessons[lesson.id] = lesson.source
        if lesson.video is not None:
            check_video(lesson.video, report)
        if not lesson.markdown.strip() and lesson.video is None:
            report.warning("empty-lesson", f"lesson '{lesson.title}' has no content",
                           lesson.source.at(lesson.body_line, 1),
                           "write the lesson below the front matter")
    if len(course.lessons) > MAX_LESSONS:
        report.error("too-many-lessons", f"the course has {len(course.lessons)} lessons; "
                     f"the limit is {MAX_LESSONS}", course.source,
                     "split the course into several courses")


def check_video(video: Video, report: Report) -> None:
    """Timing rules for a video's transcript, and captions the source timing forces out of
    the readable 1-7 s range."""
    transcript = video.transcript
    errors_before = report.errors
    if transcript is None:
        if video.src or video.url:
            report.warning("video-no-transcript", "the video has no transcript, so it has no "
                           "captions", video.source,
                           "add 'transcript:' with a .vtt, .srt or timestamped .txt file")
        return
    previous = None
    for cue in transcript.cues:
        if cue.end < cue.start:
            report.error("cue-end-before-start", f"cue ends at {clock(cue.end)}, before it "
                         f"starts at {clock(cue.start)}", cue.source,
                         "swap or correct the two times")
        elif cue.end == cue.start:
            report.error("cue-zero-length", f"cue at {clock(cue.start)} starts and ends at "
                         "the same time", cue.source, "give the cue a later end time")
        if not cue.text.strip():
            report.error("cue-empty", f"cue at {clock(cue.start)} has no text", cue.source,
                         "remove the cue or write its text")
        if previous is not None:
            if cue.start < previous.start:
                report.error("cue-out-of-order", f"cue at {clock(cue.start)} comes after one "
                             f"at {clock(previous.start)}", cue.source,
                             "order the cues by start time")
            elif cue.start < previous.end:
                report.error("cue-overlap", f"cue at {clock(cue.start)} starts before the "
                             f"previous cue ends ({clock(previous.end)})", cue.source,
                             "end the previous cue before this one starts")
        if video.duration is not None and cue.end > video.duration:
            report.error("cue-beyond-video", f"cue at {clock(cue.start)} ends at "
                         f"{clock(cue.end)}, after the video ends ({clock(video.duration)})",
                         cue.source, "check the cue times or the video's 'duration:'")
        previous = cue
    if report.errors > errors_before:
        return
    for note in captions_for(transcript)[1]:
        kind = "shorter than 1 s" if note.duration < 1000 else "longer than 7 s"
        report.warning("caption-timing", f"a caption at {clock(note.cue.start)} is {kind} "
                       f"({note.duration / 1000:.1f} s) because of the transcript's timing",
                       note.cue.source, "give this part more time, or less text"
                       if note.duration < 1000 else "split this part into shorter cues")
