"""coursepack: plain-text course sources in, self-contained SCORM packages out."""

__version__ = "0.1.0"

TARGET_NAMES = ("scorm12", "scorm2004", "web")      # the packages a course can be built as
