"""coursepack: plain-text course sources in, self-contained SCORM packages out."""

__version__ = "0.1.0"
