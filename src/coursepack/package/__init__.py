"""Package targets: each standard is a module that turns rendered files into a package."""

from __future__ import annotations

from . import scorm12

TARGETS = {scorm12.NAME: scorm12}
DEFAULT_TARGET = scorm12.NAME
