"""YAML that remembers where every value and key came from.

PyYAML's composer gives nodes with line and column marks; we turn them into plain Python
values plus a table of positions keyed by the path to each value. Aliases are expanded with a
budget, so an "anchor bomb" becomes a diagnostic instead of exhausting memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from ..diagnostics import Report, Source

try:  # the C parser is several times faster where libyaml is present
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

Path_ = tuple  # a path into the document: keys and list indexes

MAX_NODES = 200_000
MAX_DEPTH = 100


@dataclass
class YamlDoc:
    data: object
    source: Source
    values: dict[Path_, Source] = field(default_factory=dict)
    keys: dict[Path_, Source] = field(default_factory=dict)

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
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = source.at(mark.line + 1 + line_offset, mark.column + 1) if mark else source
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        report.error("yaml-syntax", f"YAML syntax error: {problem}", where,
                     _syntax_hint(problem))
        return None
    except yaml.YAMLError as exc:
        report.error("yaml-syntax", f"YAML error: {exc}", source)
        return None
    except RecursionError:
        report.error("yaml-too-deep", "YAML nesting is too deep to read", source,
                     f"keep nesting under {MAX_DEPTH} levels")
        return None
    if node is None:
        return doc
    constructor = yaml.SafeLoader("")
    budget = [0]

    def at(n) -> Source:
        return source.at(n.start_mark.line + 1 + line_offset, n.start_mark.column + 1)

    def build(n, path: tuple, depth: int):
        budget[0] += 1
        if budget[0] > MAX_NODES or depth > MAX_DEPTH:
            raise _TooBig
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
                    report.error("duplicate-key", f"key '{key}' appears twice in this mapping",
                                 at(key_node), f"remove one of the two '{key}' entries")
                    continue
                doc.keys[path + (key,)] = at(key_node)
                out[key] = build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(item, path + (i,), depth + 1) for i, item in enumerate(n.value)]
        try:
            return constructor.construct_object(n, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            report.error("yaml-value", f"cannot read value: {exc}", at(n))
            return None

    try:
        doc.data = build(node, (), 0)
    except (_TooBig, RecursionError):
        report.error("yaml-too-large", "YAML document expands to too many values "
                     "(aliases or nesting)", source,
                     "avoid deep nesting and repeated anchors/aliases")
        return None
    return doc


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
