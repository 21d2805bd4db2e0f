"""A YAML loader that remembers where every mapping and sequence starts, so errors can say ``file:line``.

Mappings load as ``LineMap`` (a dict) and sequences as ``LineList`` (a list), each carrying the 1-based line of
the node and of every key or item. Timestamps stay strings: scenario datetimes go on the wire as written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import ScenarioSyntaxError

__all__ = ["LineList", "LineMap", "line_of", "load_documents"]


class LineMap(dict[str, Any]):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver, building LineMap/LineList."""


# Why: a resolver table per class; copy it before removing timestamps so yaml.SafeLoader keeps its own.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Iterator[LineMap]:
    data = LineMap()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise ScenarioSyntaxError(f"keys must be strings, not {key!r}", path=loader.name, line=line)
        if key in data:
            raise ScenarioSyntaxError(f"duplicate key {key!r}", path=loader.name, line=line)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Iterator[LineList]:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_documents(text: str, path: Path | str) -> list[tuple[int, Any]]:
    """Every non-empty document of ``text`` with the line it starts on."""
    loader = _Loader(text)
    loader.name = str(path)
    documents: list[tuple[int, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            documents.append((node.start_mark.line + 1, loader.construct_document(node)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioSyntaxError(f"invalid YAML: {exc.problem or exc.context}", path=path, line=line) from exc
    finally:
        loader.dispose()
    return documents


def line_of(document: Any, pointer: Sequence[str | int], default: int) -> int:
    """The line of the deepest node on ``pointer`` that has one (the key's line for a mapping value)."""
    line = getattr(document, "line", default)
    node = document
    for part in pointer:
        if isinstance(node, LineMap) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
