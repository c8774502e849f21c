"""Video lessons in Chromium: its own WebVTT parser reads exactly the captions and chapters
coursepack wrote, and the interactive transcript follows and drives the video."""

import zipfile

import pytest
import webvtt

from coursepack.timecode import parse_time

pytestmark = pytest.mark.browser

VIDEO_LESSON = "what-is-leadership-in-care"


def written_cues(package_root, kind: str) -> list[tuple[float, float, str]]:
    """The cues in the file coursepack wrote, read by webvtt-py (not by coursepack)."""
    path = package_root / "media" / VIDEO_LESSON / f"{kind}.vtt"
    return [(parse_time(c.start) / 1000, parse_time(c.end) / 1000, c.text)
            for c in webvtt.read(str(path)).captions]


@pytest.fixture
def video_page(new_page, site, example_package):
    page = new_page()
    page.goto(site.url("/pkg/index.html"))
    page.locator("body.cp-js").wait_for(state="attached")
    page.click(f".cp-toc a[data-lesson='{VIDEO_LESSON}']")
    page.locator(f"#video-{VIDEO_LESSON}").wait_for(state="visible")
    return page


def chromium_cues(page, kind: str) -> list[tuple[float, float, str]]:
    """Load the track (chapters are hidden, not disabled, so Chromium loads them) and read
    the cues Chromium parsed."""
    return page.evaluate("""async (kind) => {
        const video = document.querySelector('video');
        const element = [...video.querySelectorAll('track')].find(t => t.kind === kind);
        if (element.track.mode === 'disabled') element.track.mode = 'hidden';
        while (element.readyState < 2) {
            if (element.readyState === 3) throw new Error('track failed to load: ' + kind);
            await new Promise(r => setTimeout(r, 50));
        }
        return [...element.track.cues].map(c => [c.startTime, c.endTime, c.text]);
    }""", kind)


def test_chromium_reads_exactly_the_cues_written(video_page, example_package):
    assert video_page.evaluate(
        "() => [...document.querySelector('video').textTracks].map(t => [t.kind, t.language])"
    ) == [["captions", "en-GB"], ["chapters", "en-GB"]]
    for kind in ("captions", "chapters"):
        ours = written_cues(example_package.root, kind)
        theirs = [tuple(c) for c in chromium_cues(video_page, kind)]
        assert len(ours) > (15 if kind == "captions" else 2)
        assert theirs == ours, kind
    # captions are on by default once the script runs
    assert video_page.evaluate(
        "() => document.querySelector('video').textTracks[0].mode") == "showing"


def test_every_caption_is_readable(example_package):
    for start, end, text in written_cues(example_package.root, "captions"):
        lines = text.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 42 for line in lines), text
        assert 1.0 <= end - start <= 7.0, (start, end, text)


def test_transcript_follows_seeks_and_drives_the_video(video_page):
    def active_start():
        return video_page.evaluate(
            "() => document.querySelector('.cp-cue-active')?.dataset.start ?? null")

    for seconds, expected in ((40, "29000"), (70, "61000"), (5, "0")):
        video_page.evaluate("(s) => { document.querySelector('video').currentTime = s; }",
                            seconds)
        video_page.wait_for_function(
            "(e) => document.querySelector('.cp-cue-active')?.dataset.start === e", arg=expected)
        assert active_start() == expected
        assert video_page.locator(".cp-cue[aria-current='true']").count() == 1

    # playing moves the highlight on by itself
    video_page.evaluate("""async () => {
        const v = document.querySelector('video');
        v.muted = true;
        const seeked = new Promise(r => v.addEventListener('seeked', r, { once: true }));
        v.currentTime = 27;
        await seeked;
        await v.play();
    }""")
    video_page.wait_for_function(
        "() => document.querySelector('.cp-cue-active')?.dataset.start === '29000'",
        timeout=10_000)
    video_page.evaluate("() => document.querySelector('video').pause()")

    # a click on a cue's time (and Enter on it) plays the video from there
    video_page.click(".cp-cue[data-start='61000'] .cp-cue-time")
    assert 61 <= video_page.evaluate("() => document.querySelector('video').currentTime") < 65
    video_page.focus(".cp-cue[data-start='29000'] .cp-cue-time")
    video_page.keyboard.press("Enter")
    assert 29 <= video_page.evaluate("() => document.querySelector('video').currentTime") < 33
    video_page.evaluate("() => document.querySelector('video').pause()")


def test_play_from_plays_the_video_from_there(video_page):
    """A "Play from 1:01" button does what it says: the video plays from that time (a click on
    the words of a part only goes there)."""
    video = video_page.locator("video")
    video.evaluate("v => { v.muted = true; }")
    video_page.click(".cp-cue[data-start='29000'] .cp-cue-words")
    assert video.evaluate("v => [v.currentTime, v.paused]") == [29, True]
    video_page.focus(".cp-cue[data-start='61000'] .cp-cue-time")
    video_page.keyboard.press("Enter")
    video_page.wait_for_function("() => !document.querySelector('video').paused")
    assert video.evaluate("v => v.currentTime") >= 61
    video.evaluate("v => v.pause()")


def test_transcript_search_filters_and_highlights(video_page):
    video_page.fill(f"#video-{VIDEO_LESSON}-search", "austerity")
    visible = video_page.locator(".cp-cue:not([hidden])")
    assert visible.count() == 1
    assert visible.get_attribute("data-start") == "61000"
    assert video_page.locator(".cp-cue mark").all_inner_texts() == ["austerity"]
    assert "1 of 3 parts match" in video_page.inner_text(".cp-transcript-count")
    video_page.fill(f"#video-{VIDEO_LESSON}-search", "")
    assert video_page.locator(".cp-cue:not([hidden])").count() == 3


def test_transcript_downloads_are_in_the_package(example_package):
    with zipfile.ZipFile(example_package.output) as zf:
        text = zf.read(f"media/{VIDEO_LESSON}/transcript.txt").decode()
        vtt = zf.read(f"media/{VIDEO_LESSON}/transcript.vtt").decode()
    assert text.startswith("Segment 1 [0:00] “Historically, I think")
    assert vtt.startswith("WEBVTT\n")
    page = (example_package.root / "index.html").read_text()
    assert f'href="media/{VIDEO_LESSON}/transcript.txt" download' in page
