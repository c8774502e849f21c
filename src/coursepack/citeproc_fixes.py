"""Corrections to citeproc-py where it departs from the CSL specification, put in place
once per process, before a style is read.

- `is-numeric="locator"` tests the citation's locator ('chap. 2' cited), not a field of the
  work: citeproc-py looked for the work's own 'locator' field, found none, and so styles such
  as APA and Chicago left a chapter's or section's label out ('2' for 'Chapter 2').
"""

from __future__ import annotations

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from citeproc.model import If

    is_numeric = If._is_numeric

    def is_numeric_with_locator(self, item):
        variables = self.get("is-numeric").split()
        if "locator" not in variables:
            return is_numeric(self, item)
        numeric = self.re_numeric.match
        return [bool(item.has_locator and numeric(str(item.locator.identifier)))
                if name == "locator" else
                name.replace("-", "_") in item.reference
                and bool(numeric(str(item.reference[name.replace("-", "_")])))
                for name in variables]

    If._is_numeric = is_numeric_with_locator
