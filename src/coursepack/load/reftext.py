"""Reference entries written as plain text, in the common author-date form:

    Bailey, S. and West, M.  2019.  Five myths of compassionate leadership.  Kings Fund.  London.
    Smith, A. (2020) 'A study of care', Journal of Care, 12(3), pp. 45-67. doi:10.1000/xyz

`parse_entry` splits one such entry into CSL-named fields, or returns None when it finds no
year after the authors (the caller then keeps the text as written). `derive_key` gives the
citation key of an entry that has none: first author + year (see docs/references.md).
"""

from __future__ import annotations

import re
import unicodedata

from .. import lazyre
from ..model import Name

MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9

_SPACES = lazyre.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_URL = lazyre.compile(r"(?:(?:available\s+(?:at|from|online)|retrieved\s+from|url)\s*:?\s*)?"
                  r"<?(https?://[^\s<>]+)>?", re.IGNORECASE)
_DOI = lazyre.compile(r"(?:\bdoi\s*:?\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/[^\s<>]+)",
                  re.IGNORECASE)
_ACCESSED = lazyre.compile(r"[(\[]?\s*(?:last\s+)?(?:accessed|viewed|retrieved)\s*(?:on\s*)?:?\s*"
                       r"([^()\[\]]+?)\s*[)\]]?\s*(?=[.,;]?\s*$|[.,;]\s)", re.IGNORECASE)
_YEAR = lazyre.compile(r"(?:^|[\s.,;:])\(?(?P<year>(?:1[5-9]|20)\d\d)(?P<suffix>[a-z])?"
                   r"(?:,\s*(?P<month>[A-Za-z]{3,9})\.?(?:\s+(?P<day>\d{1,2}))?)?\)?"
                   r"(?=[\s.,;:]|$)"
                   r"|(?:^|[\s.,;:])\(?(?P<nd>n\.\s?d\.?|no date)\)?(?=[\s.,;:]|$)",
                   re.IGNORECASE)
_INITIALS = lazyre.compile(r"^(?:[A-Z]\p{Ll}?\.?(?:[\s-]+|$))+$".replace(r"\p{Ll}", "a-z"))
_INITIALS_FIRST = lazyre.compile(r"^((?:[A-Z][a-z]?\.\s*)+)(\S.*)$")
_PARTICLES = {"van", "von", "de", "der", "den", "la", "le", "da", "di", "du", "del", "dos",
              "ter", "ten", "van der", "van den", "de la"}
_COUNTRY = lazyre.compile(r"^(?:[A-Z]{2,3}|U\.S\.A?|U\.K|Australia|Canada|Ireland|England|Scotland|"
                      r"Wales|New Zealand|India|Germany|France|Netherlands|Sweden|Norway|"
                      r"Denmark|Switzerland|Belgium|Spain|Italy|Japan|China|South Africa)$")
_QUOTED = lazyre.compile(r"^(['‘\"“])(?P<title>.+?)(?:['’\"”])(?=[\s.,;:]|$)")
_EDITION = lazyre.compile(r"^(\d+)(?:st|nd|rd|th)?\s+(?:edn|ed|edition)\.?$", re.IGNORECASE)
_VOLUME = lazyre.compile(r"^(?:vol\.?\s*)?(?P<volume>\d+)\s*(?:\((?P<issue>[^)]+)\))?$"
                     r"|^vol\.?\s*(?P<v2>\w+),?\s*no\.?\s*(?P<i2>\w+)$", re.IGNORECASE)
_PAGES = lazyre.compile(r"^(?:pp?\.?|pages?)\s*"
                    r"(?P<pages>[A-Za-z]?\d+(?:\s*[-–—]+\s*[A-Za-z]?\d+)?)$", re.IGNORECASE)
_FOOTNOTE_MARK = lazyre.compile(r"(?<=[A-Za-z][.?!])\d{1,3}$")


def normalise_space(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def parse_date(text: str) -> tuple[int, ...]:
    """'2022/01/05', '2022-01-05', '5 January 2022', 'January 5, 2022', '2022' -> (y, m, d)."""
    text = text.strip().strip(".").strip()
    m = re.match(r"^(\d{4})(?:[-/](\d{1,2}))?(?:[-/](\d{1,2}))?/?(?:[-/].*)?$", text)
    if m:
        return _date_parts(m.group(1), m.group(2), m.group(3))
    m = re.match(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$", text)
    if m and m.group(2).lower() in MONTHS:
        return _date_parts(m.group(3), MONTHS[m.group(2).lower()], m.group(1))
    m = re.match(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", text)
    if m and m.group(1).lower() in MONTHS:
        return _date_parts(m.group(3), MONTHS[m.group(1).lower()], m.group(2))
    m = re.match(r"^([A-Za-z]+)\.?\s+(\d{4})$", text)
    if m and m.group(1).lower() in MONTHS:
        return _date_parts(m.group(2), MONTHS[m.group(1).lower()], None)
    m = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", text)
    return (int(m.group(1)),) if m else ()


def _date_parts(year, month, day) -> tuple[int, ...]:
    parts = [int(year)]
    if month and 1 <= int(month) <= 12:
        parts.append(int(month))
        if day and 1 <= int(day) <= 31:
            parts.append(int(day))
    return tuple(parts)


def page_range(text: str) -> str:
    """'45--67', '45 - 67', '45–67' -> '45-67' (the style sets the dash)."""
    return re.sub(r"(?<=\w)\s*(?:--?-?|–|—)\s*(?=\w)", "-", text.strip())


# ---- names -----------------------------------------------------------------------------

def parse_names(text: str) -> tuple[Name, ...]:
    """Author lists as people write them: 'Bailey, S. and West, M.', 'Smith, J., Jones, K.,
    & Brown, L.', 'S. Bailey', 'Kings Fund'. 'et al.' is dropped (the style adds it)."""
    text = normalise_space(text).strip(" .,;")
    text = re.sub(r",?\s*\bet\s+al\b\.?", "", text)
    names: list[Name] = []
    for part in re.split(r"\s*;\s*|,?\s+(?:and|&)\s+|\s*&\s*", text):
        part = part.strip(" ,")
        if not part:
            continue
        tokens = [t.strip() for t in part.split(",") if t.strip()]
        i = 0
        while i < len(tokens):
            token = tokens[i]
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and _looks_like_given(nxt) and not _INITIALS.match(token):
                names.append(_personal(token, nxt))
                i += 2
                continue
            names.append(_single(token))
            i += 1
    return tuple(names)


def _looks_like_given(token: str) -> bool:
    """'S.', 'H', 'J. K.', 'Ann', 'Jean-Paul' after a family name and a comma."""
    if _INITIALS.match(token):
        return True
    words = token.split()
    return 0 < len(words) <= 3 and all(re.match(r"^[A-Z][a-z'\u2019-]+\.?$|^[A-Z]\.?$", w)
                                         for w in words)


def _personal(family: str, given: str) -> Name:
    particle = ""
    low = family.lower()
    for p in sorted(_PARTICLES, key=len, reverse=True):
        if low.startswith(p + " ") and len(family) > len(p) + 1:
            particle, family = family[:len(p)], family[len(p) + 1:]
            break
    given = given.strip()
    if re.fullmatch(r"[A-Z]", given):
        given += "."
    return Name(family=family.strip(), given=given, particle=particle)


def _single(token: str) -> Name:
    m = _INITIALS_FIRST.match(token)
    if m and len(m.group(2).split()) == 1:
        return Name(family=m.group(2), given=m.group(1).strip())
    if len(token.split()) == 1 and not token.isupper():
        return Name(family=token)
    return Name(literal=token)


# ---- entries ---------------------------------------------------------------------------

def parse_entry(text: str) -> dict | None:
    """Fields of one plain-text entry (CSL names), or None if no year follows the authors."""
    s = normalise_space(text)
    s = _FOOTNOTE_MARK.sub("", s)
    fields: dict = {}
    doi = _DOI.search(s)
    if doi:
        fields["doi"] = doi.group(1).rstrip(".,;)")
        s = s[:doi.start()] + s[doi.end():]
    url = _URL.search(s)
    if url:
        fields["url"] = url.group(1).rstrip(".,;)")
        s = s[:url.start()] + s[url.end():]
    accessed = _ACCESSED.search(s)
    if accessed:
        date = parse_date(accessed.group(1))
        if date:
            fields["accessed"] = date
            s = s[:accessed.start()] + s[accessed.end():]
    s = normalise_space(s).rstrip(" ,;")

    year = _YEAR.search(s)
    if year is None or not s[:year.start()].strip(" .,;:"):
        return None
    authors = s[:year.start()]
    if re.search(r"\d", authors):
        return None
    fields["authors"] = parse_names(authors)
    if year.group("year"):
        month = (year.group("month") or "").lower()
        fields["issued"] = _date_parts(year.group("year"), MONTHS.get(month),
                                       year.group("day"))
    rest = s[year.end():].lstrip(" .,;:)")
    _parse_rest(rest, fields)
    names = fields["authors"]
    if ("publisher" not in fields and fields.get("type") == "document"
            and len(names) == 1 and names[0].literal):
        # A work by an organisation that names no publisher is published by it
        # ("Kings Fund. 2021. Integrated care systems ..."), as reference guides treat it.
        fields["publisher"] = names[0].literal
        fields["type"] = "book"
    return fields


def _parse_rest(rest: str, fields: dict) -> None:
    quoted = _QUOTED.match(rest)
    if quoted:
        fields["title"] = quoted.group("title").strip().rstrip(",")
        rest = rest[quoted.end():].lstrip(" .,;:")
        _parse_container(rest, fields)
        return
    segments = [seg.strip() for seg in re.split(r"(?<=[.?!])\s+(?=\S)", rest) if seg.strip()]
    if not segments:
        return
    title = _strip_italics(_clean_end(segments[0]))
    edition = re.search(r"\s*\((\d+)(?:st|nd|rd|th)?\s+(?:edn|ed|edition)\.?\)$", title, re.I)
    if edition:
        fields["edition"], title = edition.group(1), title[:edition.start()]
    fields["title"] = title
    plain: list[str] = []
    for seg in segments[1:]:
        seg = _clean_end(seg)
        if not seg:
            continue
        if re.match(r"^in:?\s", seg, re.IGNORECASE):
            fields["container"] = _strip_italics(re.sub(r"^in:?\s+", "", seg, flags=re.I))
            fields["type"] = "chapter"
        elif _EDITION.match(seg):
            fields["edition"] = _EDITION.match(seg).group(1)
        elif _PAGES.match(seg):
            fields["page"] = page_range(_PAGES.match(seg).group("pages"))
        elif re.fullmatch(r"[^:]+:\s+[^:]+", seg) and not plain and "publisher" not in fields:
            place, publisher = (p.strip() for p in seg.split(":", 1))
            fields["place"], fields["publisher"] = place, publisher
        else:
            plain.append(seg)
    if plain:
        if len(plain) >= 3 and _COUNTRY.match(plain[-1]):
            plain[-2:] = [f"{plain[-2]}, {plain[-1]}"]
        if "publisher" not in fields:
            if len(plain) == 1:
                fields["publisher"] = plain[0]
            else:
                fields["publisher"] = "; ".join(plain[:-1])
                fields["place"] = plain[-1]
    if "type" not in fields:
        fields["type"] = ("book" if fields.get("publisher") else
                          "webpage" if fields.get("url") else "document")


def _parse_container(rest: str, fields: dict) -> None:
    """After a quoted title: 'Journal of Care, 12(3), pp. 45-67' or 'In: Book title ...'."""
    fields["type"] = "article-journal"
    parts = [p.strip() for p in re.split(r",\s*", _clean_end(rest)) if p.strip()]
    if parts and re.match(r"^in:?\s", parts[0], re.IGNORECASE):
        fields["type"] = "chapter"
        parts[0] = re.sub(r"^in:?\s+", "", parts[0], flags=re.IGNORECASE)
    if parts:
        fields["container"] = _strip_italics(parts.pop(0))
    for part in parts:
        vol, pages = _VOLUME.match(part), _PAGES.match(part)
        if pages:
            fields["page"] = page_range(pages.group("pages"))
        elif vol:
            fields["volume"] = vol.group("volume") or vol.group("v2")
            if vol.group("issue") or vol.group("i2"):
                fields["issue"] = vol.group("issue") or vol.group("i2")
        elif re.fullmatch(r"[A-Za-z]?\d+\s*[-–—]+\s*[A-Za-z]?\d+", part):
            fields["page"] = page_range(part)


def _clean_end(text: str) -> str:
    """Drop the full stop that ends a segment; a question or exclamation mark stays."""
    text = text.strip()
    while text.endswith((".", ",", ";")) and not text.endswith(("..", " et al.")):
        text = text[:-1].rstrip()
    return text


def _strip_italics(text: str) -> str:
    m = re.fullmatch(r"\*(.+)\*|_(.+)_", text)
    return (m.group(1) or m.group(2)) if m else text


# ---- keys ------------------------------------------------------------------------------

def key_base(authors: tuple[Name, ...], year: int | None, fallback: str = "") -> str:
    """First author's family name (or an organisation's name) + year, as ASCII letters and
    digits: 'Bailey, S. 2019' -> 'bailey2019', 'Kings Fund 2021' -> 'kingsfund2021'."""
    word = authors[0].family or authors[0].literal if authors else fallback
    folded = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    letters = re.sub(r"[^a-z0-9]", "", folded.lower()) or "ref"
    return f"{letters}{year if year else 'nd'}"


def first_words(text: str) -> str:
    """The opening of an entry that could not be parsed: up to its first comma or full stop."""
    text = normalise_space(text)
    m = re.match(r"^(.+?)(?:[,.;:]|\s\(|$)", text)
    return (m.group(1) if m else text)[:60] or text[:60]
