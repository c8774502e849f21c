"""Regular expressions compiled where they are first used.

A pattern at module level is compiled when its module is imported, whether or not the run
needs it. coursepack has dozens for formats a given course may not use (plain-text reference
lists, RIS, GIFT quizzes, each transcript format, raw HTML): compiled at every start they
cost about 10 ms, a tenth of a rebuild that finds nothing to do.
"""

from __future__ import annotations

import re

_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "finditer", "findall")


class Pattern:
    """re.compile(source, flags), compiled at the first call of any of its methods."""

    def __init__(self, source: str, flags: int = 0):
        self._source, self._flags = source, flags

    def __getattr__(self, name: str):
        # Called only for what is not set yet: the compiled pattern's methods are then set
        # on this object, so later calls cost what they cost on the pattern itself.
        compiled = re.compile(self._source, self._flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def compile(source: str, flags: int = 0) -> Pattern:   # noqa: A001 - as re.compile
    return Pattern(source, flags)
