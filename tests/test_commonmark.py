"""Lesson Markdown: the HTML written from the parser's events, and the places reported."""

from __future__ import annotations

import json
import time

import pytest

from conftest import MINIMAL, cited, write_course
from coursepack.commonmark import MAX_NESTING, Writer, events, normalize_link


def html(text: str, raw_html: bool = True) -> str:
    return Writer(raw_html).write(events(text))


@pytest.mark.parametrize("text, expected", [
    ("- a\n- b\n", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"),
    ("1. a\n\n   b\n2. c\n", "<ol>\n<li>\n<p>a</p>\n<p>b</p>\n</li>\n<li>\n<p>c</p>\n</li>\n</ol>\n"),
    ("3) x\n", '<ol start="3">\n<li>x</li>\n</ol>\n'),
    ("- *a*\n  > q\n", "<ul>\n<li><em>a</em>\n<blockquote>\n<p>q</p>\n</blockquote>\n</li>\n</ul>\n"),
    ("- a\n  ```\n  x\n  ```\n", "<ul>\n<li>a<pre><code>x\n</code></pre>\n</li>\n</ul>\n"),
    ("-\n", "<ul>\n<li></li>\n</ul>\n"),
    (">\n", "<blockquote></blockquote>\n"),
    ("```py {x}\n<b>\n```\n", '<pre><code class="language-py">&lt;b&gt;\n</code></pre>\n'),
    ("```a\\_b&amp;c\nx\n```\n", '<pre><code class="language-a_b&amp;c">x\n</code></pre>\n'),
    ("    code\n", "<pre><code>code\n</code></pre>\n"),
    ("a  \nb\\\nc\n", "<p>a<br />\nb<br />\nc</p>\n"),
    ("<me@x.org> <http://ä.com/ü>\n",
     '<p><a href="mailto:me@x.org">me@x.org</a> '
     '<a href="http://xn--4ca.com/%C3%BC">http://ä.com/ü</a></p>\n'),
    ('[a](<b c> "t&amp;")\n', '<p><a href="b%20c" title="t&amp;">a</a></p>\n'),
    ("![a `c` *e* ![i](j)](k)\n", '<p><img src="k" alt="a c e i" /></p>\n'),
    ("&copy; &amp; \\* a\x00b\n", "<p>© &amp; * a\ufffdb</p>\n"),
    ("  <div>\n*x*\n</div>\n", "  <div>\n*x*\n</div>\n"),
    ("Setext\n===\n\n***\n", "<h1>Setext</h1>\n<hr />\n"),
    ("[x][y]\n\n[y]: /u\n", '<p><a href="/u">x</a></p>\n'),
])
def test_html_is_laid_out_as_commonmark_examples_are(text, expected):
    assert html(text) == expected


def test_without_raw_html_html_is_shown_as_text():
    assert html("a <b>x</b>\n\n<div>y</div>\n", raw_html=False) == \
        "<p>a &lt;b&gt;x&lt;/b&gt;</p>\n&lt;div&gt;y&lt;/div&gt;\n"


def test_quiz_text_that_starts_with_a_tag_is_still_markdown():
    from coursepack.diagnostics import Report, Source
    from coursepack.markdown import render_fragment
    shown = render_fragment("<details>open</details> then *emph*\n\n<p>b</p> `c`", None, None,
                            None, Source("q.yaml", 1, 1), Report(), inline=False)
    assert shown == ("<p>&lt;details&gt;open&lt;/details&gt; then <em>emph</em></p>\n"
                     "<p>&lt;p&gt;b&lt;/p&gt; <code>c</code></p>")


def test_links_keep_their_escapes_and_encode_the_rest():
    assert normalize_link("a b%20c%zz[1]") == "a%20b%20c%25zz%5B1%5D"
    assert normalize_link("https://例え.jp/パス?q=1#x") == \
        "https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9?q=1#x"


def test_nesting_beyond_the_limit_is_left_out_and_heard_once():
    heard = []

    class Listening(Writer):
        def deeper(self, where):
            heard.append(where["start"])

    started = time.perf_counter()
    out = Listening().write(events(">" * 100_000 + " deep\n\nafter\n"))
    assert time.perf_counter() - started < 10          # linear: a fraction of a second
    assert len(heard) == 1 and "deep" not in out and out.endswith("<p>after</p>\n")
    assert out.count("<blockquote>") == MAX_NESTING + 1   # the last one left empty
    heard.clear()
    lists = "".join("  " * n + "- x\n" for n in range(MAX_NESTING))
    assert Listening().write(events(lists)).count("<ul>") == MAX_NESTING and not heard
    quotes = "> " * MAX_NESTING + "x\n"
    assert Listening().write(events(quotes)).count("<blockquote>") == MAX_NESTING and not heard
    Listening().write(events("> " * MAX_NESTING + "- x\n"))
    assert len(heard) == 1


def test_citations_are_found_where_the_text_has_them():
    found = cited("See [@a; @b, p. 4] and\n@c [chap. 2] but not \\@d, &#64;e, a@f.org,\n"
                  "`@g` or [@h](link) here; [@j<x>k] is one key.\n")
    assert [[item.key for item in c.items] for c in found] == [["a", "b"], ["c"], ["j<x>k"]]
    assert found[1].in_text and found[1].items[0].label == "chapter"
    assert cited("[see\n@a, p. 4]\n")[0].items[0].prefix == "see"


def test_no_citation_starts_in_html_or_at_what_is_written_escaped():
    text = ('Follow <a href="https://x.social/@jane">Jane</a>, <span title="[@b]">x</span> '
            '<!-- [@c] --> [\\@d] [see \\@e] <kbd>k</kbd> @f')
    assert [[i.key for i in c.items] for c in cited(text + "\n")] == [["f"]]


def test_an_in_text_key_ends_where_html_or_emphasis_marks_begin():
    found = cited("<kbd>@a</kbd>, @b<br>x, _@c_ and __@d__.\n")
    assert [(c.items[0].key, c.in_text) for c in found] == \
        [("a", True), ("b", True), ("c", True), ("d", True)]


def test_citations_hold_hard_breaks_and_are_not_links_before_an_escaped_bracket():
    found = cited("[@a, p.  \n4] and [see\\\n@b] and [@c]\\[1\\]\n")
    assert [(c.items[0].key, c.items[0].locator, c.in_text) for c in found] == \
        [("a", "4", False), ("b", "", False), ("c", "", False)]


def test_many_citations_in_one_paragraph_take_linear_time():
    started = time.perf_counter()
    assert len(cited("[@a] *b* " * 20_000 + "\n")) == 20_000
    assert time.perf_counter() - started < 20          # quadratic: minutes


def test_a_citation_wins_over_emphasis_it_holds_whole():
    found = cited("[@_a; @b_] and [@_c_], but *[@d* e] and _[@f]_.\n")
    assert [[item.key for item in c.items] for c in found] == [["_a", "b_"], ["_c_"], ["f"]]
    assert html("*[@d* e] _x_\n") == "<p><em>[@d</em> e] <em>x</em></p>\n"


def test_diagnostics_point_at_what_is_written(tmp_path, cli):
    lesson = ("---\ntitle: Places\n---\nIntro é [go](javascript:alert(1)) and\n"
              "> quoted ![](pic.png) [@nokey] <script>x</script>\n\n# Top\n\n"
              "> quote [@k1;\n>   more @k2]\n\n[a](<my page.md>) [é](café.md)\n")
    course = write_course(tmp_path / "c", MINIMAL | {"lessons/one.md": lesson})
    out = cli("validate", course, "--format", "json")
    got = {(d["code"], d["line"], d["column"]) for d in json.loads(out.output)["diagnostics"]}
    assert {("unsafe-link", 4, 14), ("image-alt", 5, 14), ("unknown-citation", 5, 24),
            ("raw-html-removed", 5, 32), ("heading-h1", 7, 1), ("unknown-citation", 9, 10),
            ("unknown-citation", 10, 10), ("missing-file", 12, 6),
            ("missing-file", 12, 23)} <= got, got


def test_raw_html_links_to_web_pages_open_a_new_tab_and_say_so(tmp_path, cli):
    import zipfile
    lesson = ('---\ntitle: Raw\n---\nSee <a href="https://example.org/x">the site</a>, '
              '<a href="#lesson-two">the next lesson</a> and [a page](https://example.org/y).\n')
    course = write_course(tmp_path / "c", MINIMAL | {"lessons/one.md": lesson})
    assert cli("build", course, "--out", tmp_path / "out").exit_code == 0
    [package] = (tmp_path / "out").glob("*.zip")
    page = zipfile.ZipFile(package).read("index.html").decode()
    note = '<span class="cp-sr"> (opens in a new tab)</span>'
    assert ('<a href="https://example.org/x" rel="noopener" target="_blank">the site'
            f'{note}</a>') in page
    assert '<a href="#lesson-two">the next lesson</a>' in page
    assert page.count(note) == 2
