"""Times as people write them (`1:01`, `01:01:05`, `00:01:05,250`) and as WebVTT writes them."""

from __future__ import annotations

import re

# hours optional; minutes; seconds; optional fraction after '.' or ','
TIME = r"(?:(\d{1,3}):)?(\d{1,3}):(\d{1,2})(?:[.,](\d{1,3}))?"
_TIME_RE = re.compile(rf"^{TIME}$")
_SECONDS_RE = re.compile(r"^(\d{1,6})(?:\.(\d{1,3}))?$")


def parse_time(text: str) -> int | None:
    """Milliseconds for a written time, or None when it is not a valid time.

    Minutes may exceed 59 only when no hours are given (`75:30`); seconds never may."""
    text = text.strip()
    m = _TIME_RE.match(text)
    if m:
        hours, minutes, seconds, fraction = m.groups()
        h, mi, s = int(hours or 0), int(minutes), int(seconds)
        if s > 59 or (hours is not None and mi > 59):
            return None
        ms = int((fraction or "0").ljust(3, "0"))
        return ((h * 60 + mi) * 60 + s) * 1000 + ms
    m = _SECONDS_RE.match(text)
    if m:
        return int(m.group(1)) * 1000 + int((m.group(2) or "0").ljust(3, "0"))
    return None


def parse_duration(value) -> int | None:
    """A duration from front matter: seconds as a number, or a written time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(round(value * 1000)) if value > 0 else None
    if isinstance(value, str):
        return parse_time(value)
    return None


def vtt_time(ms: int) -> str:
    """WebVTT timestamp, always with hours: 00:01:05.250."""
    ms = max(0, int(ms))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def clock(ms: int) -> str:
    """Short human form for transcripts: 1:05 or 1:01:05."""
    s = max(0, int(ms)) // 1000
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
