"""Package targets: each standard is a module that turns rendered files into a package."""

from __future__ import annotations

from . import scorm12, scorm2004, web

TARGETS = {target.NAME: target for target in (scorm12, scorm2004, web)}
DEFAULT_TARGET = scorm12.NAME
