"""Reference lists: readers for each format, the citation syntax, CSL rendering and its
tidying, the References page, and the rules with their diagnostics."""

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE, MINIMAL, REPO, cited, need, write_course
from coursepack import citations
from coursepack.bibliography import tidy
from coursepack.diagnostics import Report
from coursepack.load.references import assign_keys, read_references
from coursepack.load.reftext import parse_entry
from coursepack.model import Name
from coursepack.pipeline import check
from coursepack.render import Page, page_data, render_pages

FIXTURES = Path(__file__).parent / "fixtures" / "references"
SEED = REPO.parent / "shared" / "seeds"


def read(name_or_path):
    report = Report()
    path = name_or_path if isinstance(name_or_path, Path) else FIXTURES / name_or_path
    return assign_keys(read_references(path, report)), report


def fields(ref):
    """The parsed fields of a reference, without where it came from."""
    def names(ns):
        return [n.literal or " ".join(p for p in (n.particle, n.family) if p) + f", {n.given}"
                for n in ns]

    out = {"key": ref.key, "type": ref.type, "authors": names(ref.authors),
           "issued": ref.issued, "title": ref.title}
    for name in ("editors",):
        if getattr(ref, name):
            out[name] = names(getattr(ref, name))
    for name in ("container", "publisher", "place", "volume", "issue", "page", "edition",
                 "url", "doi", "accessed", "raw"):
        if getattr(ref, name):
            out[name] = getattr(ref, name)
    return out


def course_yaml(*lines: str) -> str:
    """MINIMAL's course.yaml with more top-level keys (it is dedented when written)."""
    return MINIMAL["course.yaml"].rstrip(" ") + "".join(f"        {line}\n" for line in lines)


def codes(report):
    return [(d.code, Path(d.file).name, d.line) for d in report.sorted()]


# ---- readers ---------------------------------------------------------------------------

CSL_EXPECTED = [
    {"key": "west2019", "type": "article-journal",
     "authors": ["West, Michael", "Eckert, Regina", "Collins, Brian", "Chowla, Rachna"],
     "issued": (2019, 3),
     "title": "Caring to change: how compassionate leadership can stimulate innovation.",
     "container": "Journal of Health Organization and Management", "volume": "33",
     "issue": "2", "page": "145-160", "doi": "10.1108/JHOM-03-2019-0050"},
    {"key": "nhs2022", "type": "webpage", "authors": ["NHS England"], "issued": (2022,),
     "title": "What are integrated care systems?",
     "url": "https://www.england.nhs.uk/integratedcare/what-is-integrated-care/",
     "accessed": (2024, 1, 5)},
    {"key": "smith2018", "type": "book", "authors": ["de Smith, Ann"], "issued": (2018,),
     "title": "The <i>Homo sapiens</i> guide to care", "publisher": "Policy Press",
     "place": "Bristol", "edition": "2"},
]


@pytest.mark.parametrize("name, lines", [("library.json", [2, 19, 28]),
                                         ("library.yaml", [2, 22, 31])])
def test_csl_json_and_yaml(name, lines):
    refs, report = read(name)
    assert report.items == []
    assert [fields(r) for r in refs] == CSL_EXPECTED
    assert [r.source.line for r in refs] == lines


def test_bibtex_with_braces_and_accents():
    refs, report = read("library.bib")
    assert report.items == []
    assert [fields(r) for r in refs] == [
        {"key": "muller2020", "type": "article-journal",
         "authors": ["Müller, Jörg", "van der Berg, Anna", "O'Neill, Séamus"],
         "issued": (2020, 3),
         "title": "NHS leadership and the École de Genève: café conversations",
         "container": "Journal of Social Care", "volume": "12", "issue": "3",
         "page": "45-67", "doi": "10.1000/jsc.2020.045"},
        {"key": "kingsfund2021", "type": "book", "authors": ["The King's Fund"],
         "issued": (2021,), "title": "Leading with kindness & compassion",
         "publisher": "The King's Fund", "place": "London",
         "url": "https://www.kingsfund.org.uk/", "accessed": (2024, 1, 5)},
        {"key": "garcia2017", "type": "chapter", "authors": ["García, María"],
         "issued": (2017,), "title": "Care in the community", "editors": ["Brown, Ellen"],
         "container": "Handbook of Social Care", "publisher": "Routledge",
         "place": "Abingdon", "page": "1-20"},
    ]
    assert [(r.source.line, r.source.column) for r in refs] == [(2, 1), (14, 1), (24, 1)]


def test_ris_au_and_a1_authors_keep_the_order_of_their_lines(tmp_path):
    path = tmp_path / "refs.ris"
    path.write_text("TY  - BOOK\nAU  - Doe, Jane\nA1  - Smith, John\nAU  - Roe, Rita\n"
                    "TI  - Writing Good Courses\nPY  - 2024\nER  - \n")
    [ref], report = read(path)
    assert report.items == [] and ref.key == "doe2024"
    assert fields(ref)["authors"] == ["Doe, Jane", "Smith, John", "Roe, Rita"]


def test_ris_with_several_authors_crlf_and_no_id():
    refs, report = read("library.ris")
    assert report.items == []
    assert [fields(r) for r in refs] == [
        {"key": "bailey2020", "type": "article-journal",
         "authors": ["Bailey, Suzie", "West, Michael", "Naylor, Chris"], "issued": (2020,),
         "title": "Compassionate leadership in practice",
         "container": "British Journal of Healthcare Management", "volume": "26",
         "issue": "4", "page": "101-109", "url": "https://example.org/bailey2020",
         "doi": "10.12968/bjhc.2020.0030", "accessed": (2024, 1, 5)},
        {"key": "dixon2015", "type": "book", "authors": ["Dixon, Jennifer"],
         "issued": (2015,), "title": "A book without an ID",
         "publisher": "Open University Press", "place": "Maidenhead"},
    ]
    assert [r.source.line for r in refs] == [1, 18]


SEED_EXPECTED = [
    ("bailey2019", ["Bailey, S."], "Compassion: Your greatest leadership contribution?",
     "Kings Fund", "London"),
    ("bailey2019b", ["Bailey, S.", "West, M."], "Five myths of compassionate leadership",
     "Kings Fund", "London"),
    ("jolliff2019", ["Jolliff, T."], "Inclusive leadership: how ready are we to learn?",
     "Kings Fund", "London"),
    ("kingsfund2021", ["Kings Fund"], "An introduction to leading with Kindness and "
     "Compassion in health and Social Care", "Kings Fund; FutureLearn", "London"),
    # the seed names only the organisation, year and title: the organisation publishes it
    ("kingsfund2021b", ["Kings Fund"], "Integrated care systems: how will they work under "
     "the Health and Care bill?", "Kings Fund", ""),
    ("lsbu2021", ["LSBU"], "Leading Networks in Health and Care E-Learning Programme",
     "London South Bank University", "London"),
    ("peake2021", ["Peake, E."], "The great social burnout: why are we so exhausted?",
     "The New Statesman", "London"),
    ("tupper2021", ["Tupper, H.", "Ellis, S."], "Make learning a part of your daily routine",
     "Harvard Business Review", "Cambridge, USA"),
]


def test_seed_reading_list_as_written():
    """The example's references.txt is the seed's list, irregular spacing (no-break spaces,
    trailing blanks) and all; every entry splits into author, year, title and the rest."""
    refs, report = read(EXAMPLE / "references.txt")
    assert report.items == []
    got = [(r.key, fields(r)["authors"], r.title, r.publisher, r.place) for r in refs]
    assert got == SEED_EXPECTED
    assert [r.year for r in refs] == [2019, 2019, 2019, 2021, 2021, 2021, 2021, 2021]
    assert [r.source.line for r in refs] == list(range(1, 9))
    assert all(r.source.column == 6 for r in refs)
    assert [r.type for r in refs] == ["book"] * 8


def test_example_list_is_the_seed_text():
    seeds = sorted(SEED.glob("002_*.txt"))
    need(bool(seeds), f"seed 002 not found in {SEED}")
    lines = seeds[0].read_text(encoding="utf-8").split("\n")
    start = lines.index("Monthly Resources")
    listed = [line for line in lines[start + 1:] if line.strip()]
    assert (EXAMPLE / "references.txt").read_text(encoding="utf-8") == "\n".join(listed) + "\n"


def test_plain_list_forms():
    refs, report = read("list.txt")
    assert [fields(r) for r in refs] == [
        {"key": "bailey2019", "type": "book", "authors": ["Bailey, S.", "West, M."],
         "issued": (2019,), "title": "Five myths of compassionate leadership",
         "publisher": "The King's Fund", "place": "London"},
        {"key": "smith2018", "type": "book", "authors": ["Smith, J.", "Jones, K.", "Brown, L."],
         "issued": (2018,), "title": "Caring well", "publisher": "Routledge", "edition": "2"},
        {"key": "west2021", "type": "article-journal", "authors": ["West, M."],
         "issued": (2021,), "title": "Compassionate leadership for challenging times",
         "container": "Nursing Standard", "volume": "36", "issue": "2", "page": "12-14",
         "doi": "10.7748/ns.36.2.12"},
        {"key": "nhsengland2022", "type": "webpage", "authors": ["NHS England"],
         "issued": (2022,), "title": "What are integrated care systems?",
         "url": "https://www.england.nhs.uk/integratedcare/", "accessed": (2024, 1, 5)},
        {"key": "notesnd", "type": "document",
         "authors": ["Notes from the March team meeting"], "issued": (),
         "title": "Notes from the March team meeting",
         "raw": "Notes from the March team meeting"},
    ]
    assert [(r.source.line, r.source.column) for r in refs] == [(3, 3), (4, 3), (5, 4),
                                                                (7, 5), (8, 4)]
    assert [(d.code, d.severity, d.line, d.column) for d in report.items] == [
        ("reference-unparsed", "warning", 8, 4)]


def test_keys_for_entries_without_one():
    """First author's family name (or an organisation's name) + year; a second entry with
    the same key gets 'b', a third 'c'; no year gives 'nd'; accents are folded."""
    from coursepack.load.reftext import key_base
    assert key_base((Name(family="Müller"),), 2020) == "muller2020"
    assert key_base((Name(literal="The King's Fund"),), 2021) == "thekingsfund2021"
    assert key_base((Name(family="O'Neill"),), None) == "oneillnd"


def test_csl_json_items_are_located_under_their_key(tmp_path):
    """{"items": [...]} (as some exports write it): each reference is placed where it
    starts, even with other arrays written before "items"."""
    path = tmp_path / "export.json"
    path.write_text('{"schema": ["csl", [1]],\n "items": [\n  {"id": "a", "type": "book", '
                    '"title": "A"},\n    {"id": "b", "type": "book", "title": "B"}\n]}\n',
                    encoding="utf-8")
    refs, report = read(path)
    assert report.items == []
    assert [(r.key, r.source.line, r.source.column) for r in refs] == [("a", 3, 3),
                                                                      ("b", 4, 5)]


@pytest.mark.parametrize("name, text, line, column", [
    ("bad.json", '[\n  {"id": "a", "type": "book", "title": "A"},\n  {"id": "b" "type": 1}\n]\n',
     3, 14),
    ("shape.json", '{"id": "x"}', 1, 1),
    ("bad.bib", "@book{ok, title={Fine}, year=2001}\n\n@article{broken,\n  title = {Unclosed,\n"
                "  year = 2020\n\n@book{next, title={Next}, year={2002}}\n", 4, 11),
    ("bad.ris", "TY  - JOUR\nTI  - No end\n\nTY  - BOOK\nTI  - Fine\nER  - \n", 1, 1),
    ("stray.ris", "TY  - BOOK\nTI  - Fine\nER  - \nstray text\n", 4, 1),
    ("tag.ris", "TY  - BOOK\nTI - one space\nER  - \n", 2, 1),
])
def test_broken_files_give_a_diagnostic_with_a_line(tmp_path, name, text, line, column):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    _, report = read(path)
    assert [(d.code, d.line, d.column) for d in report.items if d.is_error] == [
        ("reference-syntax", line, column)]


def test_broken_yaml_and_unknown_extension(tmp_path):
    (tmp_path / "bad.yaml").write_text("- id: a\n  title: [unclosed\n")
    (tmp_path / "refs.docx").write_text("x")
    _, report = read(tmp_path / "bad.yaml")
    assert [(d.code, d.line) for d in report.items] == [("yaml-syntax", 3)]
    _, report = read(tmp_path / "refs.docx")
    assert [d.code for d in report.items] == ["reference-format"]


# ---- citation syntax -------------------------------------------------------------------

def clusters(text):
    return cited(text)


def item(key, locator="", label="", prefix="", suffix="", suppress=False):
    return citations.CiteItem(key, locator, label, prefix, suffix, suppress)


@pytest.mark.parametrize("text, expected", [
    ("[@bailey2019]", [(False, [item("bailey2019")])]),
    ("[@bailey2019, p. 4]", [(False, [item("bailey2019", "4", "page")])]),
    ("[@bailey2019, 33-35]", [(False, [item("bailey2019", "33-35", "page")])]),
    ("[@bailey2019; @west2019]", [(False, [item("bailey2019"), item("west2019")])]),
    ("[see @bailey2019, chap. 2 and later; @west2019]",
     [(False, [item("bailey2019", "2", "chapter", "see", "and later"), item("west2019")])]),
    ("@bailey2019 says", [(True, [item("bailey2019")])]),
    ("@bailey2019 [p. 4] says", [(True, [item("bailey2019", "4", "page")])]),
    ("[-@bailey2019]", [(False, [item("bailey2019", suppress=True)])]),
    ("as @smith2020.", [(True, [item("smith2020")])]),
    ("[@{doi:10.1/x}]", [(False, [item("doi:10.1/x")])]),
    ("write to me@example.org", []),
    ("[a link @x](https://example.org)", []),
    ("[text][ref]", []),
    ("[no citation here]", []),
    (r"\@escaped", []),
    ("`@code`", []),
])
def test_citation_syntax(text, expected):
    got = [(c.in_text, list(c.items)) for c in clusters(text)]
    assert got == expected


@pytest.mark.parametrize("written, label", [
    ("p.", "page"), ("pp.", "page"), ("page", "page"), ("pages", "page"),
    ("chap.", "chapter"), ("ch.", "chapter"), ("chapter", "chapter"), ("sec.", "section"),
    ("section", "section"), ("§", "section"), ("para.", "paragraph"),
    ("paragraph", "paragraph"), ("fig.", "figure"), ("figure", "figure"), ("vol.", "volume"),
    ("volume", "volume"), ("line", "line"), ("no.", "issue"), ("note", "note")])
def test_every_locator_label_is_read_whole(written, label):
    """A label that begins with a shorter one ('para.', 'page') is read as itself, not as
    'p' followed by a locator 'ara'."""
    [cluster] = clusters(f"[@bailey2019, {written} 3]")
    assert cluster.items == (item("bailey2019", "3", label),)


# ---- rendering -------------------------------------------------------------------------

def built_page(course: Path) -> str:
    report = Report()
    checked = check(course, report)
    assert checked.ok, [d for d in report.sorted()]
    page = Page("index.html", "sco", "Course", tuple(m.id for m in checked.course.modules))
    files = render_pages(checked.course, checked.bodies, [page], "scorm12", report)
    assert files is not None, report.sorted()
    return files["index.html"].decode("utf-8")


def entries(html: str, scope: str = "references") -> list[str]:
    """The text of each entry of a list: the References page's, or a lesson's."""
    start = html.index(f'id="lesson-{scope}"') if scope == "references" else \
        html.index(f'id="refs-{scope}"')
    part = html[start:]
    part = part[:part.index("</ul>")]
    return [re.sub(r"<[^>]+>", "", li)
            for li in re.findall(r'<li class="cp-ref"[^>]*>(.*?)</li>', part)]


def raw_entries(html: str) -> list[str]:
    part = html[html.index('id="lesson-references"'):]
    return re.findall(r'<li class="cp-ref"[^>]*>(.*?)</li>', part[:part.index("</ul>")])


CTR_SEED = [
    "Bailey, S. (2019) Compassion: Your greatest leadership contribution? London: Kings Fund.",
    "Bailey, S. and West, M. (2019) Five myths of compassionate leadership. London: Kings Fund.",
    "Jolliff, T. (2019) Inclusive leadership: how ready are we to learn? London: Kings Fund.",
    "Kings Fund (2021a) An introduction to leading with Kindness and Compassion in health and "
    "Social Care. London: Kings Fund; FutureLearn.",
    "Kings Fund (2021b) Integrated care systems: how will they work under the Health and Care "
    "bill? Kings Fund.",
    "LSBU (2021) Leading Networks in Health and Care E-Learning Programme. London: London South "
    "Bank University.",
    "Peake, E. (2021) The great social burnout: why are we so exhausted? London: The New "
    "Statesman.",
    "Tupper, H. and Ellis, S. (2021) Make learning a part of your daily routine. Cambridge, USA: "
    "Harvard Business Review.",
]

APA_SEED = [
    "Bailey, S. (2019). Compassion: Your greatest leadership contribution? Kings Fund.",
    "Bailey, S., &amp; West, M. (2019). Five myths of compassionate leadership. Kings Fund.",
    "Jolliff, T. (2019). Inclusive leadership: how ready are we to learn? Kings Fund.",
    "Kings Fund. (2021a). An introduction to leading with Kindness and Compassion in health and "
    "Social Care. Kings Fund; FutureLearn.",
    "Kings Fund. (2021b). Integrated care systems: how will they work under the Health and Care "
    "bill? Kings Fund.",
    "LSBU. (2021). Leading Networks in Health and Care E-Learning Programme. London South Bank "
    "University.",
    "Peake, E. (2021). The great social burnout: why are we so exhausted? The New Statesman.",
    "Tupper, H., &amp; Ellis, S. (2021). Make learning a part of your daily routine. Harvard "
    "Business Review.",
]


def test_example_references_page_in_cite_them_right():
    html = built_page(EXAMPLE)
    assert entries(html) == CTR_SEED
    assert raw_entries(html)[0] == ("Bailey, S. (2019) <i>Compassion: Your greatest leadership "
                                    "contribution?</i> London: Kings Fund.")
    assert 'in the Cite Them Right 12th edition (author-date/Harvard) style' in html
    # the lesson that draws on them ends with its own list, and its citations link there
    assert entries(html, "compassionate-resilient-networks") == CTR_SEED
    assert ('<a class="cp-cite" href="#ref-compassionate-resilient-networks-peake2021">'
            'Peake (2021)</a>') in html
    assert ('(<a class="cp-cite" href="#ref-compassionate-resilient-networks-jolliff2019">'
            'Jolliff, 2019</a>; <a class="cp-cite" href="#ref-compassionate-resilient-networks-'
            'tupper2021">Tupper and Ellis, 2021</a>)') in html


def test_example_builds_in_apa_by_changing_one_line(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    yaml = (course / "course.yaml").read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^citation_style: .*$", "citation_style: apa", yaml)
    assert sum(a != b for a, b in zip(yaml.splitlines(), changed.splitlines())) == 1
    (course / "course.yaml").write_text(changed, encoding="utf-8")
    html = built_page(course)
    assert entries(html) == APA_SEED
    assert "in the APA Style 7th edition style" in html
    assert "Bailey &amp; West, 2019" in html


CITING = {
    "course.yaml": course_yaml("references: [refs.json, refs.bib]", "citation_style: {style}"),
    "lessons/one.md": """
        ---
        title: First lesson
        ---

        Compassion [@west2019, pp. 146-7] and [see @smith2018; @muller2020].
        @garcia2017 [chap. 2] argues and [-@nhs2022] agrees.
        """,
    "lessons/two.md": """
        ---
        title: Second lesson
        references: false
        ---

        Back to [the first](one.md), and [@west2019].
        """,
}


def citing_course(tmp_path, style="harvard", references_page="", **extra):
    files = dict(CITING)
    files["course.yaml"] = files["course.yaml"].replace("{style}", style)
    if references_page:
        files["course.yaml"] += f"        references_page: {references_page}\n"
    files.update(extra)
    course = write_course(tmp_path / "c", files)
    shutil.copy(FIXTURES / "library.json", course / "refs.json")
    shutil.copy(FIXTURES / "library.bib", course / "refs.bib")
    return course


def citations_in(html):
    return [re.sub(r"<[^>]+>", "", c) for c in
            re.findall(r'<span class="cp-citation">(.*?)</span>(?=\s|[.,;])', html)]


def test_citation_forms_in_harvard(tmp_path):
    html = built_page(citing_course(tmp_path, references_page="all"))
    assert citations_in(html) == [
        "(West et al., 2019, pp. 146–7)",
        "(see de Smith, 2018; Müller, van der Berg and O'Neill, 2020)",
        "García (2017, chap. 2)", "(2022)", "(West et al., 2019)"]
    # a lesson with its own list links there; 'references: false' links to the page
    assert 'href="#ref-one-west2019">West <i>et al.</i>, 2019, pp. 146–7</a>' in html
    assert 'href="#ref-west2019">West <i>et al.</i>, 2019</a>' in html
    assert 'id="refs-two"' not in html


@pytest.mark.parametrize("style, cited", [
    ("chicago", ["(West et al. 2019, 146–7)", "(García 2017, chap. 2)", "(West et al. 2019)"]),
    ("apa", ["(West et al., 2019, pp. 146–7)", "(García, 2017, Chapter 2)",
             "(West et al., 2019)"])])
def test_how_a_work_is_cited_does_not_change_its_entry(tmp_path, style, cited):
    """The entry shows the work's own pages whatever page a citation names; a chapter keeps
    its label in styles that test whether the locator is a number."""
    course = citing_course(tmp_path, style=style, references_page="all")
    (course / "lessons" / "one.md").write_text(
        "---\ntitle: First lesson\n---\n\nA [@west2019, pp. 146-7] and [@garcia2017, chap. 2].\n")
    html = built_page(course)
    assert citations_in(html) == cited
    [west] = [e for e in entries(html) if e.startswith("West")]
    assert "145–60" in west or "145–160" in west


def test_citations_without_authors_read_again_only_their_own_works(tmp_path, monkeypatch):
    """A citation that leaves its authors out ('@garcia2017 argues', '[-@nhs2022]') has
    its own works read again with a stand-in author, and only those: reading the whole list
    again for each one made a course with hundreds of them take seconds more."""
    from citeproc.source.json import CiteProcJSON
    read = []
    real = CiteProcJSON.__init__

    def counting(self, json_data):
        read.append(len(json_data))
        real(self, json_data)
    monkeypatch.setattr(CiteProcJSON, "__init__", counting)
    html = built_page(citing_course(tmp_path, references_page="all"))
    assert citations_in(html)[2:4] == ["García (2017, chap. 2)", "(2022)"]
    listed = len(entries(html))
    assert listed > 2 and sorted(read) == [0, 0, 1, 1, listed], read


def test_numeric_style_ieee(tmp_path):
    html = built_page(citing_course(tmp_path, "ieee"))
    assert citations_in(html) == ["[1, pp. 146–7]", "see [2], [3]", "García [4, Ch. 2]",
                                  "[5]", "[1]"]
    # the course is in 'en' (American usage): commas go inside the closing quote
    assert raw_entries(html)[0].startswith('<span class="cp-ref-label">[1]</span> M. West, '
                                           "R. Eckert, B. Collins, and R. Chowla, “Caring to "
                                           "change: how compassionate leadership can "
                                           "stimulate innovation,” <i>Journal")
    assert "“What are integrated care systems?” Accessed: Jan. 05, 2024." in html
    assert ('doi: <a href="https://doi.org/10.1108/JHOM-03-2019-0050" rel="noopener" '
            'target="_blank">10.1108/JHOM-03-2019-0050<span class="cp-sr"> (opens in a new '
            'tab)</span></a>.') in raw_entries(html)[0]


@pytest.mark.parametrize("style", ["harvard", "apa", "ieee"])
def test_entries_read_as_an_editor_would_write_them(tmp_path, style):
    """No doubled punctuation, italics that flip inside italics, en dashes in page ranges,
    links for URLs and DOIs; in all three styles."""
    course = citing_course(tmp_path, style)
    (course / "refs.ris").write_bytes((FIXTURES / "library.ris").read_bytes())
    shutil.copy(FIXTURES / "list.txt", course / "list.txt")
    yaml = (course / "course.yaml").read_text()
    (course / "course.yaml").write_text(yaml.replace(
        "references: [refs.json, refs.bib]",
        "references: [refs.json, refs.bib, refs.ris, list.txt]\nreferences_page: all"))
    html = built_page(course)
    listed = raw_entries(html)
    assert len(listed) == 13
    for entry in listed:
        text = re.sub(r"<[^>]+>", "", entry)
        doubled = r"[?!][’”]?\.|(?<!\.)\.\.(?!\.)|,\.|,,|\.[’”],|\s[.,]"
        assert not re.search(doubled, text), text
        assert not re.search(r"\d-\d", text.replace("JHOM-03-2019-0050", "")), text
    smith = next(e for e in listed if "Homo sapiens" in e)
    assert "<i>The </i>Homo sapiens<i> guide to care</i>" in smith
    for url in ("https://doi.org/10.1000/jsc.2020.045", "https://www.kingsfund.org.uk/"):
        assert f'<a href="{url}" rel="noopener" target="_blank">' in html


@pytest.mark.parametrize("wrong, right", [
    ("<i>Ready to learn?</i>. London", "<i>Ready to learn?</i> London"),
    ("‘Why are we so tired?’. Available", "‘Why are we so tired?’ Available"),
    ("Smith Ltd.. London", "Smith Ltd. London"),
    ("A title,. More", "A title. More"),
    ("‘A study of things.’, Journal", "‘A study of things’, Journal"),
    ("pp. 45-67", "pp. 45–67"),
    ("p. 4--6", "p. 4–6"),
    ("Wait... what", "Wait... what"),
    ("<i></i>Title ,more", "Title,more"),
])
def test_tidy(wrong, right):
    assert tidy(wrong) == right


def test_source_text_is_never_html(tmp_path):
    course = citing_course(tmp_path)
    (course / "refs.json").write_text(
        '[{"id": "x", "type": "book", "title": "Tags <script>alert(1)</script> & <i>x",'
        ' "author": [{"family": "O\'Brien <b>"}], "issued": {"date-parts": [[2020]]},'
        ' "URL": "https://example.org/?a=1&b=2"}]')
    (course / "lessons" / "one.md").write_text("---\ntitle: One\n---\n\nSee [@x].\n")
    (course / "lessons" / "two.md").write_text("---\ntitle: Two\n---\n\nNothing.\n")
    (course / "course.yaml").write_text((course / "course.yaml").read_text().replace(
        "references: [refs.json, refs.bib]", "references: refs.json"))
    html = built_page(course)
    assert "<script>alert" not in html and "<b>," not in html
    [entry] = raw_entries(html)
    assert "Tags &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;i&gt;x</i>" in entry
    assert entry.startswith("O'Brien &lt;b&gt; (2020)")
    assert '<a href="https://example.org/?a=1&amp;b=2" rel="noopener" target="_blank">' in entry


def test_ids_are_unique_and_valid(tmp_path):
    html = built_page(citing_course(tmp_path, references_page="all"))
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", i) for i in ids), ids
    for href in re.findall(r'href="#(ref-[^"]+)"', html):
        assert href in ids


def test_references_page_in_contents_and_runtime_data(tmp_path):
    html = built_page(citing_course(tmp_path))
    toc = html[html.index('id="cp-toc"'):html.index("</nav>")]
    assert re.search(r'id="cp-toc-references">References</span>\s*<ol class="cp-lessons" '
                     r'aria-labelledby="cp-toc-references">\s*<li><a href="#lesson-references" '
                     r'data-lesson="references">References</a></li>', toc)
    assert toc.rindex('data-lesson="references"') > toc.rindex('data-lesson="two"')
    assert '<article class="cp-lesson cp-references-page" id="lesson-references" ' \
           'data-lesson="references"' in html
    data = re.search(r'id="cp-data">(.*?)</script>', html).group(1)
    assert data.count('"id":"references"') == 1
    assert '{"id":"references","optional":true,"title":"References"}]' in data


def test_no_references_page_without_citations(tiny):
    report = Report()
    checked = check(tiny, report)
    assert "references" not in checked.bodies
    page = Page("index.html", "tiny", "Tiny", ("only",))
    assert '"optional"' not in str(page_data(checked.course, page, "scorm12", checked.bodies))


def test_custom_csl_file(tmp_path):
    from coursepack.load.style import packaged_styles
    course = citing_course(tmp_path, "styles/house.csl")
    (course / "styles").mkdir()
    shutil.copy(packaged_styles()["apa"], course / "styles" / "house.csl")
    html = built_page(course)
    assert "(see de Smith, 2018; Müller et al., 2020)" in citations_in(html)


# ---- rules -------------------------------------------------------------------------------

def diagnostics_of(course):
    report = Report()
    check(course, report)
    return [(d.code, d.severity, Path(d.file).name, d.line, d.column, d.message, d.hint)
            for d in report.sorted()]


def test_unknown_citation_with_did_you_mean(tmp_path):
    course = citing_course(tmp_path, **{"lessons/two.md": """
        ---
        title: Second lesson
        ---

        Also see
        [@west2091] and @smith2018.
        """})
    assert [d for d in diagnostics_of(course) if d[1] == "error"] == [
        ("unknown-citation", "error", "two.md", 6, 2, "no reference has the key 'west2091'",
         "did you mean 'west2019'?")]


def test_each_unknown_key_of_a_cluster_is_reported_where_it_is_written(tmp_path):
    course = citing_course(tmp_path, **{"lessons/two.md": """
        ---
        title: Second lesson
        ---

        As [see @west2019, p. 4; @nobody] and @nobody2 show,
        or [@west2019;
        @nobody3, ch. 2] too.
        """})
    assert [d[:5] for d in diagnostics_of(course) if d[1] == "error"] == [
        ("unknown-citation", "error", "two.md", 5, 26),
        ("unknown-citation", "error", "two.md", 5, 39),
        ("unknown-citation", "error", "two.md", 7, 1)]


def test_an_unknown_key_with_none_close_gets_the_keys_in_its_hint(tmp_path):
    course = citing_course(tmp_path, **{"lessons/two.md": "---\ntitle: Two\n---\n\n[@zzz]\n"})
    [found] = [d for d in diagnostics_of(course) if d[0] == "unknown-citation"]
    assert found[6] == ("the references' keys: 'west2019', 'nhs2022', 'smith2018', "
                        "'muller2020', 'kingsfund2021', 'garcia2017'; or add the work to the "
                        "course's reference file")
    many = {"lessons/two.md": "---\ntitle: Two\n---\n\n[@zzz]\n"}
    course = citing_course(tmp_path / "many", **many)
    (course / "refs.bib").write_text("".join(f"@misc{{k{n}, title={{T}}, year=2000}}\n"
                                            for n in range(20)))
    (course / "refs.json").write_text("[]")
    [found] = [d for d in diagnostics_of(course) if d[0] == "unknown-citation"
               and d[2] == "two.md"]
    assert found[6].startswith("the references' keys: 'k0', 'k1', 'k2', 'k3', 'k4', 'k5', "
                               "'k6', 'k7' and 12 more; ")


def test_an_unknown_key_cited_again_is_compared_with_the_keys_once(tmp_path, monkeypatch):
    from coursepack import citations
    asked = []
    real = citations.did_you_mean
    monkeypatch.setattr(citations, "did_you_mean", lambda word, keys: asked.append(word) or
                        real(word, keys))
    course = citing_course(tmp_path, **{"lessons/two.md": "---\ntitle: Two\n---\n\n"
                                        + "[@west2091]\n\n" * 40 + "[@nobody]\n"})
    found = [d for d in diagnostics_of(course) if d[0] == "unknown-citation"]
    assert len(found) == 41 and sorted(asked) == ["nobody", "west2091"]
    assert {d[6] for d in found[:40]} == {"did you mean 'west2019'?"}


def test_unknown_citation_without_a_reference_file(tmp_path):
    files = dict(MINIMAL)
    files["lessons/one.md"] = "---\ntitle: One\n---\n\nAs [@someone2020] says.\n"
    course = write_course(tmp_path / "c", files)
    assert diagnostics_of(course) == [
        ("unknown-citation", "error", "one.md", 5, 5, "no reference has the key 'someone2020'",
         "list your references in a file named by 'references:' in course.yaml")]


def test_duplicate_reference_keys(tmp_path):
    course = citing_course(tmp_path)
    (course / "refs.bib").write_text((FIXTURES / "library.bib").read_text()
                                     + "\n@misc{west2019, title = {Again}, year = 2019}\n")
    [found] = [d for d in diagnostics_of(course) if d[0] == "duplicate-reference"]
    assert found[:6] == ("duplicate-reference", "error", "refs.bib", 35, 1,
                         "reference key 'west2019' is used twice")
    assert found[6].startswith("the first use is at ")
    assert found[6].endswith("refs.json:2:3; give each reference its own key")


def test_duplicate_key_inside_one_bib_file(tmp_path):
    path = tmp_path / "dup.bib"
    path.write_text("@book{a, title={One}, year=2001}\n@book{a, title={Two}, year=2002}\n")
    refs, report = read(path)
    assert report.items == [] and [r.key for r in refs] == ["a", "a"]
    files = dict(MINIMAL)
    files["course.yaml"] = course_yaml("references: dup.bib", "references_page: all")
    course = write_course(tmp_path / "c", files)
    shutil.copy(path, course / "dup.bib")
    assert [(d[0], d[3]) for d in diagnostics_of(course)] == [("duplicate-reference", 2)]


def test_bibtex_joins_parts_with_hash_through_strings(tmp_path):
    path = tmp_path / "join.bib"
    path.write_text('@string{ep = "Example Press"}\n@String{full = ep # " Ltd"}\n'
                    '@book{doe2024, author = {Doe, Jane}, title = "Writing" # { Good} # " Courses",\n'
                    '  publisher = full, address = ep # { Town}, year = 20 # "24", month = jan}\n')
    [ref], report = read(path)
    assert report.items == []
    assert (ref.title, ref.publisher, ref.place, ref.issued) == (
        "Writing Good Courses", "Example Press Ltd", "Example Press Town", (2024, 1))


def test_bibtex_addresses_are_verbatim_not_latex(tmp_path):
    path = tmp_path / "urls.bib"
    path.write_text("@online{a, title = {A}, year = 2021,\n"
                    "  url = {https://example.org/search?q=care&page=2}}\n"
                    "@online{b, title = {B}, year = 2021, doi = {10.1000/a_b%c},\n"
                    "  url = {https://example.org/a%20b/c_d~e#frag}}\n"
                    "@online{c, title = {C}, year = 2021, url = {https://example.org/x\\_y?a=1\\&b=2}}\n")
    refs, report = read(path)
    assert report.items == []
    assert [(r.url, r.doi) for r in refs] == [
        ("https://example.org/search?q=care&page=2", ""),
        ("https://example.org/a%20b/c_d~e#frag", "10.1000/a_b%c"),
        ("https://example.org/x_y?a=1&b=2", "")]


def test_bibtex_value_never_closed_is_reported_where_it_opens(tmp_path):
    path = tmp_path / "open.bib"
    path.write_text("@book{ok, title = {Fine}, year = 2020}\n"
                    "@article{a1,\n  author = {A, B},\n  title = {T\n  year = {2020},\n}\n"
                    "@article{a2,\n  title = \"T2,\n  year = {2021}\n}\n"
                    "@book{last, title = {Read}, year = 2021}\n")
    refs, report = read(path)
    assert [r.key for r in refs] == ["ok", "last"]
    assert [(d.code, d.line, d.column, d.message) for d in report.items] == [
        ("reference-syntax", 4, 11, "the value of 'title' opened here is never closed"),
        ("reference-syntax", 8, 11, "the value of 'title' opened here is never closed")]


@pytest.mark.parametrize("depth, refused", [(500, False), (501, True), (600, True),
                                             (5000, True)])
def test_csl_json_nested_past_its_limit_is_refused_at_the_level_that_passes_it(
        tmp_path, depth, refused):
    path = tmp_path / "deep.json"
    opening = '[{"id": "a", "type": "book", "title": "T", "issued": 2020, "note": '
    path.write_text(opening + "[" * (depth - 2) + "]" * (depth - 2) + "}]")
    refs, report = read(path)
    found = [(d.code, d.line, d.column) for d in report.items if d.code == "reference-syntax"]
    # the 501st level: the note's 499th bracket, below the list and the entry
    assert found == ([("reference-syntax", 1, len(opening) + 499)] if refused else [])


def test_bibtex_repeated_field_keeps_the_entry_with_the_first_value(tmp_path):
    path = tmp_path / "twice.bib"
    path.write_text("@book{doe2024,\n  author = {Doe, Jane},\n  title = {One},\n"
                    "  year = {2023},\n  year = {2024}\n}\n@book{b, title={B}, year=2001}\n")
    refs, report = read(path)
    assert [(r.key, r.issued) for r in refs] == [("doe2024", (2023,)), ("b", (2001,))]
    [warning] = report.items
    assert (warning.code, warning.severity, warning.line, warning.column) == (
        "reference-repeated-field", "warning", 5, 3)
    assert warning.message == "'doe2024' gives the field 'year' again; the first value is used"


def test_bibtex_entry_with_a_repeated_field_stays_whole_when_its_key_comes_again(tmp_path):
    path = tmp_path / "twice.bib"
    path.write_text("@book{k1, title={T}, title={T2}, year=2000, author={A, B}}\n"
                    "@book{k1, title={Dup}, year=2004, author={K, L}}\n")
    refs, report = read(path)
    assert [(r.key, r.title, r.issued) for r in refs][0] == ("k1", "T", (2000,))
    assert [(d.code, d.line) for d in report.items] == [("reference-repeated-field", 1)]


def test_bibtex_crossref_fills_in_what_the_part_does_not_give(tmp_path):
    path = tmp_path / "parts.bib"
    path.write_text("@proceedings{proc2024, title = {The Proceedings}, year = {2024},\n"
                    "  editor = {Ed, Edna}, publisher = {ACM}}\n"
                    "@inproceedings{part2024, author = {Roe, R.}, title = {A Part},\n"
                    "  crossref = {PROC2024}, pages = {1--10}, publisher = {Own}}\n"
                    "@inproceedings{lost, author = {Roe, R.}, title = {B}, year = 2020,\n"
                    "  crossref = {nowhere}}\n")
    refs, report = read(path)
    part = fields(refs[1])
    assert (part["title"], part["container"], part["issued"], part["editors"],
            part["publisher"], part["page"]) == (
        "A Part", "The Proceedings", (2024,), ["Ed, Edna"], "Own", "1-10")
    assert [(d.code, d.line, d.column) for d in report.items] == [("reference-crossref", 6, 3)]


def test_reference_never_cited(tmp_path):
    course = citing_course(tmp_path)
    assert diagnostics_of(course) == [
        ("reference-not-cited", "warning", "refs.bib", 14, 1,
         "reference 'kingsfund2021' is never cited",
         "cite it in a lesson with [@kingsfund2021], remove it, or set 'references_page: "
         "all' in course.yaml to list every entry")]
    # with references_page: all, listing everything is what the author asked for
    assert diagnostics_of(citing_course(tmp_path / "all", references_page="all")) == []
    # a lesson left out for an error in its front matter may cite any of them
    broken = citing_course(tmp_path / "broken")
    one = broken / "lessons" / "one.md"
    one.write_text(one.read_text().replace("title: First lesson", "title: First lesson\nsumary: x"))
    assert [d[0] for d in diagnostics_of(broken)] == ["unknown-key"]


def test_reference_without_year_or_title(tmp_path):
    course = citing_course(tmp_path, references_page="all")
    (course / "refs.json").write_text(
        '[\n {"id": "west2019", "type": "book", "title": "T", "issued": 2019},\n'
        ' {"id": "smith2018", "type": "book", "issued": 2018},\n'
        ' {"id": "nhs2022", "type": "webpage", "title": "Only a title"}\n]\n')
    assert [(d[0], d[2], d[3], d[5]) for d in diagnostics_of(course)] == [
        ("reference-incomplete", "refs.json", 3, "reference 'smith2018' has no title"),
        ("reference-incomplete", "refs.json", 4, "reference 'nhs2022' has no year"),
    ]


def test_unknown_style_lists_close_names(tmp_path):
    course = citing_course(tmp_path, "harverd")
    assert [d for d in diagnostics_of(course) if d[1] == "error"] == [
        ("unknown-style", "error", "course.yaml", 12, 17,
         "there is no citation style named 'harverd'",
         "close names: harvard, sage-harvard")]


def test_broken_style_file(tmp_path):
    course = citing_course(tmp_path, "house.csl")
    (course / "house.csl").write_text('<style xmlns="http://purl.org/net/xbiblio/csl">\n<info>\n')
    found = [d[:5] for d in diagnostics_of(course) if d[1] == "error"]
    assert found[0][:3] == ("style-syntax", "error", "house.csl") and found[0][3] == 3


def test_unparsed_entry_is_kept_with_a_warning(tmp_path):
    files = dict(MINIMAL)
    files["course.yaml"] = course_yaml("references: list.txt", "references_page: all")
    course = write_course(tmp_path / "c", files)
    (course / "list.txt").write_text("1. Smith, A. 2020. A title. Pub.\n2. Just some words\n")
    assert [(d[0], d[1], d[3], d[4]) for d in diagnostics_of(course)] == [
        ("reference-unparsed", "warning", 2, 4)]
    html = built_page(course)
    assert entries(html) == ["Just some words", "Smith, A. (2020) A title. Pub."]


def test_references_is_a_reserved_lesson_id(tmp_path):
    files = dict(MINIMAL)
    files["lessons/two.md"] = "---\ntitle: Reading\nid: references\n---\n\nText.\n"
    course = write_course(tmp_path / "c", files)
    assert [(d[0], d[2], d[3]) for d in diagnostics_of(course)] == [
        ("reserved-id", "two.md", 1)]


def test_reference_file_must_be_inside_the_course(tmp_path):
    files = dict(MINIMAL)
    files["course.yaml"] = course_yaml("references: [../refs.bib, missing.ris]")
    course = write_course(tmp_path / "c", files)
    assert [(d[0], d[3], d[4]) for d in diagnostics_of(course)] == [
        ("path-outside-course", 11, 14), ("missing-file", 11, 27)]


def test_example_course_validates_strictly():
    report = Report()
    checked = check(EXAMPLE, report)
    assert checked.ok and report.items == []
    assert len(checked.course.references) == 8
    assert [e.key for e in checked.bodies["references"].page.entries] == [
        r[0] for r in SEED_EXPECTED]


# ---- no input gives a traceback -------------------------------------------------------------

SOURCE_CHARS = st.sampled_from(list("@{}[]()=,;:.\"'\\-– \n\tabcAB12019TYERAU%#<>&?") +
                               ["TY  - ", "ER  - ", "@book{", "title = ", "- id: ", '"id": '])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(SOURCE_CHARS, max_size=60).map("".join),
       ext=st.sampled_from([".json", ".yaml", ".bib", ".ris", ".txt"]))
def test_any_reference_file_reads_or_reports(text, ext):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"refs{ext}"
        path.write_text(text, encoding="utf-8")
        report = Report()
        refs = assign_keys(read_references(path, report))
        assert all(r.key for r in refs)
        assert all(d.line >= 0 for d in report.items)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_plain_entries_parse_or_are_kept(text):
    fields_ = parse_entry(text)
    assert fields_ is None or fields_["authors"] is not None


# ---- citeproc_memo: the same output, faster --------------------------------------------

_RENDER_IN_STYLES = r'''
import hashlib, json, re, shutil, sys, tempfile
from pathlib import Path
if sys.argv[1] == "plain":
    import coursepack.citeproc_memo
    coursepack.citeproc_memo.install = lambda: None
from coursepack import bibliography, markdown, parallel
from coursepack.diagnostics import Report
from coursepack.load import course as course_loader
from coursepack.pipeline import check, package
forks = []
if sys.argv[1] == "sorted-first":    # the list sorted before any entry is written
    bibliography._shows_numbers = lambda style: True
if sys.argv[1] == "shared":      # a forked child shares every stage, however small the course
    sharing = parallel.allowed(2)
    sharing.__enter__()
    course_loader.SHARED_LESSONS = markdown.SHARED_LESSONS = bibliography.SHARED_ENTRIES = 2
    import os
    fork = os.fork
    os.fork = lambda: forks.append(1) or fork()
out = {}
for course in sys.argv[2].split(","):
    for style in sys.argv[3:]:
        folder = Path(tempfile.mkdtemp()) / "course"
        shutil.copytree(course, folder)
        text = (folder / "course.yaml").read_text(encoding="utf-8")
        if text.startswith("{"):                    # the generated course is JSON
            text = text.replace("{", f'{{"citation_style": "{style}",', 1)
        else:
            text = re.sub(r"(?m)^citation_style:.*$", f"citation_style: {style}", text)
        (folder / "course.yaml").write_text(text, encoding="utf-8")
        report = Report()
        checked = check(folder, report)
        assert checked.ok, [d.message for d in report.items]
        files = package(checked, "scorm12", report)
        page = files["index.html"]
        out[f"{Path(course).name} {style}"] = {
            "digest": hashlib.sha256(page).hexdigest(),
            "cites": page.count(b'class="cp-citation"'), "entries": page.count(b'id="ref-')}
print(json.dumps({"pages": out, "forks": len(forks)}))
'''

MEMO_STYLES = ["cite-them-right-harvard", "apa", "ieee", "vancouver", "chicago",
               "chicago-notes-bibliography-17th-edition", "mla", "nature",
               "cambridge-university-press-note"]


def test_citeproc_memo_tables_change_no_output(tmp_path):
    """The example course and a generated one (40 references of three types, over 50
    citations), written in nine styles (author-date, numeric and note styles), give
    byte-identical pages with and without the memo tables, with a second process
    sharing the lessons and the entries, and with the reference list sorted before its
    entries are written rather than beside them."""
    import json
    import subprocess
    import sys
    sys.path.insert(0, str(REPO / "bench"))
    from make_course import generate
    generated = generate(tmp_path / "generated", scale=0.1)
    script = tmp_path / "render.py"
    script.write_text(_RENDER_IN_STYLES, encoding="utf-8")
    results = {}
    for mode in ("plain", "memo", "shared", "sorted-first"):
        done = subprocess.run([sys.executable, str(script), mode, f"{EXAMPLE},{generated}",
                               *MEMO_STYLES], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        results[mode] = json.loads(done.stdout)
    # shared: lessons read and parsed and entries written, in each course and style
    assert results["shared"]["forks"] == 3 * 2 * len(MEMO_STYLES)
    results = {mode: r["pages"] for mode, r in results.items()}
    assert results["plain"] == results["memo"] == results["shared"] == results["sorted-first"]
    memo = results["memo"]
    assert len(memo) == 2 * len(MEMO_STYLES)
    assert all(r["cites"] >= 6 and r["entries"] >= 8 for r in memo.values())
    assert sum(r["cites"] for r in memo.values()) >= 9 * 50
    assert len({r["digest"] for r in memo.values()}) == len(memo)   # the styles differ


def test_ris_written_with_one_space_is_told_once_how_tags_are_written(tmp_path):
    path = tmp_path / "refs.ris"
    path.write_text("TY - BOOK\nAU - Doe, Jane\nTI - T\nER - \n")
    _, report = read(path)
    errors = [(d.line, d.message) for d in report.items if d.code == "reference-syntax"]
    assert errors == [(1, "RIS tag line 'TY - BOOK' is not written as 'XX  - value'")]


def test_html_tag_over_two_lines_is_located_at_its_start(tmp_path):
    files = dict(MINIMAL)
    files["lessons/one.md"] = ("---\ntitle: One\n---\nSome text\nwith more <span\n"
                               "onclick=\"x\">inline</span> here.\n")
    course = write_course(tmp_path / "c", files)
    report = Report()
    check(course, report)
    [removed] = [d for d in report.items if d.code == "raw-html-removed"]
    assert (removed.line, removed.column) == (5, 11)
