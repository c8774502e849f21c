"""The course's language and the interface's: the interface's own words (buttons, notes,
progress) are English, marked so in a course written in another language (WCAG 3.1.2), and
set left to right in a course written from right to left."""

from __future__ import annotations

from markupsafe import Markup

# Languages, and scripts, written from right to left (the primary subtag, or the script
# subtag of a tag such as ku-Arab)
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr",
                           "ug", "ur", "yi"})
RTL_SCRIPTS = frozenset({"arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg", "samr",
                         "mand"})


def text_direction(language: str) -> str:
    """'rtl' for a language written from right to left (HTML does not infer it from lang)."""
    parts = language.lower().split("-")
    script = next((p for p in parts[1:] if len(p) == 4), "")
    if script:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    return "rtl" if parts[0] in RTL_LANGUAGES else "ltr"


def language_marks(language: str) -> dict[str, Markup]:
    """The templates' `en` and `own`: the interface's own words are English, marked so with
    `{{ en }}` where the course's language is not (WCAG 3.1.2), and the course's words inside
    them marked back with `{{ own }}`; both empty for a course in English. In a course
    written from right to left, each also sets its direction, so that the English words
    keep their order ("2 of 3 lessons visited", not "of 3 lessons visited 2")."""
    if language.split("-")[0].lower() == "en":
        return {"en": Markup(""), "own": Markup("")}
    if text_direction(language) == "rtl":
        return {"en": Markup(' lang="en" dir="ltr"'),
                "own": Markup(' lang="%s" dir="rtl"') % language}
    return {"en": Markup(' lang="en"'), "own": Markup(' lang="%s"') % language}


def new_tab_note(language: str) -> str:
    """What a link that opens a new tab or window says to screen readers, after its text
    (WCAG technique G201): the page the learner is on stays where it is."""
    marks = language_marks(language)
    return f'<span class="cp-sr"{marks["en"]}> (opens in a new tab)</span>'
