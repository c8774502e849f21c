"""YAML that remembers where every value and key came from.

PyYAML's composer gives nodes with line and column marks; we turn them into plain Python
values plus a table of positions keyed by the path to each value. Aliases are expanded with a
budget, so an "anchor bomb" becomes a diagnostic instead of exhausting memory.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right

from msgspec import Struct, field

from .. import lazyre
from ..diagnostics import Report, Source, shorten


def _import_yaml():
    """PyYAML, imported without compiling the pattern its pure-Python reader checks
    characters with. That pattern spans all of Unicode and takes about 80 M instructions
    (10 ms) to compile, at every start, while libyaml's reader, used here, checks the
    characters itself. It is compiled on first use instead."""
    if "yaml" in sys.modules:
        return sys.modules["yaml"]
    compile_now = re.compile

    def compile_for_yaml(pattern, flags=0):
        if sys._getframe(1).f_globals.get("__name__") == "yaml.reader":
            return lazyre.Pattern(pattern, flags)
        return compile_now(pattern, flags)

    re.compile = compile_for_yaml
    try:
        import yaml
    finally:
        re.compile = compile_now
    return yaml


yaml = _import_yaml()

try:  # the C parser is several times faster where libyaml is present
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

Path_ = tuple  # a path into the document: keys and list indexes

MAX_NODES = 200_000
MAX_REPEATED = 10_000   # values reached a second time, through an alias
MAX_DEPTH = 100


class YamlDoc(Struct):
    data: object
    source: Source
    values: dict[Path_, Source] = field(default_factory=dict)
    keys: dict[Path_, Source] = field(default_factory=dict)
    written: dict[Path_, str] = field(default_factory=dict)    # non-text scalars, as written

    def pos(self, path: Path_) -> Source:
        """Position of the value at path, or of the nearest enclosing value."""
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, self.source)

    def key_pos(self, path: Path_) -> Source:
        return self.keys.get(path) or self.pos(path)


class _TooBig(Exception):
    pass


def parse_yaml(text: str, source: Source, report: Report, line_offset: int = 0) -> YamlDoc | None:
    """Parse text as one YAML document; on failure add a diagnostic and return None.

    line_offset shifts reported lines (front matter starts below a `---` line)."""
    doc = YamlDoc(None, source)
    place = _placer(text, source, line_offset)
    try:
        deep = _too_deep(text) if _depth_bound(text) > MAX_DEPTH else None
        if deep is not None:
            report.error("yaml-too-deep", f"YAML nesting is deeper than {MAX_DEPTH} levels",
                         place(deep), f"keep nesting under {MAX_DEPTH} levels")
            return None
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = place(mark) if mark else source.at(1 + line_offset, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        report.error("yaml-syntax", f"YAML syntax error: {problem}", where,
                     _syntax_hint(problem))
        return None
    except yaml.reader.ReaderError as exc:
        # libyaml gives the offset in the UTF-8 bytes of the text
        before = text.encode("utf-8")[:exc.position].decode("utf-8", "ignore")
        line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
        report.error("yaml-syntax", f"the character U+{exc.character:04X} is not allowed "
                     "in YAML", source.at(line + line_offset, column),
                     "remove it, or write it as an escape in a double-quoted string")
        return None
    except yaml.YAMLError as exc:
        report.error("yaml-syntax", f"YAML error: {exc}", source.at(1 + line_offset, 1))
        return None
    if node is None:
        doc.values[()] = source.at(1 + line_offset, 1)
        return doc
    constructor = yaml.constructor.SafeConstructor()   # no reader: the text is parsed
    budget = [0, 0]     # values built, values built again through an alias
    built: set[int] = set()

    def at(n) -> Source:
        return place(n.start_mark)

    def build(n, path: tuple, depth: int):
        budget[0] += 1
        if id(n) in built:
            budget[1] += 1
        else:
            built.add(id(n))
        if budget[0] > MAX_NODES or budget[1] > MAX_REPEATED or depth > MAX_DEPTH:
            raise _TooBig(at(n))
        doc.values[path] = at(n)
        if isinstance(n, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in n.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    report.error("yaml-merge-key", "merge keys (<<) are not supported", at(key_node),
                                 "write the keys out in full")
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    report.error("yaml-key-type", "mapping keys must be plain text", at(key_node))
                    continue
                key = key_node.value
                if key in out:
                    report.error("duplicate-key", f"key '{shorten(key)}' appears twice in this "
                                 "mapping", at(key_node), "remove one of the two entries")
                    continue
                doc.keys[path + (key,)] = at(key_node)
                out[key] = build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(item, path + (i,), depth + 1) for i, item in enumerate(n.value)]
        try:
            value = constructor.construct_object(n, deep=True)
            if not isinstance(value, str):      # yes, 1.0, 2024-01-05: the text is kept
                doc.written[path] = n.value
            return value
        except Exception as exc:  # noqa: BLE001 - any tag may be written on any value
            report.error("yaml-value", _value_problem(n, exc), at(n),
                         "check the value and any !!tag written before it")
            return n.value   # as written, so that checks of its type do not add to this

    try:
        doc.data = build(node, (), 0)
    except _TooBig as exc:
        report.error("yaml-too-large", "YAML document expands to too many values "
                     "(aliases or nesting)", exc.args[0],
                     "avoid deep nesting and repeated anchors/aliases")
        return None
    return doc


def _value_problem(node, exc: Exception) -> str:
    tag = shorten(node.tag.replace("tag:yaml.org,2002:", "!!"))
    shown = shorten(node.value, 40)
    detail = ""
    if isinstance(exc, yaml.MarkedYAMLError):
        if (exc.problem or "").startswith("could not determine a constructor"):
            return f"the tag {tag} is not supported"
        detail = exc.problem or ""
    elif isinstance(exc, ValueError) and tag == "!!timestamp":
        detail = str(exc)   # e.g. 'month must be in 1..12'
    return f"cannot read '{shown}' as {tag}" + (f": {detail}" if detail else "")


def _placer(text: str, source: Source, line_offset: int):
    """Source of a YAML mark. libyaml also counts NEL, LS and PS (U+0085, U+2028, U+2029)
    as line breaks; editors and the rest of coursepack count only LF, so where the text holds
    one of them the line is counted from the mark's character index. A mark past the end
    (libyaml's end of a text without a final line break) is put after the last character."""
    last = text.count("\n")                     # index of the last line
    end = len(text) - text.rfind("\n") - 1      # its length
    starts = [0] + [m.end() for m in re.finditer("\n", text)] \
        if any(ch in text for ch in "\x85\u2028\u2029") else None

    def place(mark) -> Source:
        if starts is None:
            line, column = mark.line, mark.column
        else:
            line = bisect_right(starts, mark.index) - 1
            column = mark.index - starts[line]
        if line > last or (line == last and column > end):
            line, column = last, end
        return source.at(line + 1 + line_offset, column + 1)
    return place


def _depth_bound(text: str) -> int:
    """A bound on the text's nesting depth, read from the text alone, so that most texts
    skip _too_deep: a block collection nested in another is indented further, or opened by an
    indicator ('- ', '? ', ': ') on the same line (a sequence may sit at its key's
    indentation: hence twice the count), and a flow collection opens with a bracket."""
    deepest = 0
    for line in text.split("\n"):
        content = line.lstrip(" ")
        width = len(line) - len(content) + content.count("- ") + content.count("? ") + \
            content.count(":")
        if width > deepest:
            deepest = width
    return 2 * deepest + 2 + text.count("[") + text.count("{")


_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _too_deep(text: str):
    """The mark where nesting first goes deeper than MAX_DEPTH, or None. Checked on the
    parser's events before composing: libyaml's composer recurses without a limit, so a
    very deep document would crash the process."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark
        elif isinstance(event, _CLOSE):
            depth -= 1
    return None


def _syntax_hint(problem: str) -> str:
    if "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted"
    if "could not find expected ':'" in problem:
        return "each line of a mapping needs 'key: value'"
    if "found character '@'" in problem or "found character '`'" in problem:
        return "quote values that start with @ or `"
    return "check indentation and quoting near this place"
