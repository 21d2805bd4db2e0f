"""``parametrize:``: one scenario document becomes one scenario per row of its table, each named ``name[id]``.

Rows are substituted into the YAML document before it is checked, so an enum or a reference that a row makes
wrong is reported at load, on the line that uses it, naming the row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import ScenarioSyntaxError
from simulator.scenarios.yamlsource import LineList, LineMap

__all__ = ["RESERVED", "Row", "rows_of", "substitute_row"]

_NAME = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Names the runner fills in itself; a parameter of the same name would hide them.
RESERVED = frozenset({"now", "tenant", "base", "device", "connector"})


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    line: int
    values: Mapping[str, Any]


def rows_of(document: LineMap, path: Path | str) -> list[Row]:
    """The rows of ``document['parametrize']`` (shape-checked here: the schema sees each row's substitution)."""
    table = document["parametrize"]
    where = document.key_lines.get("parametrize", document.line)
    if not isinstance(table, LineList) or not table or not all(isinstance(r, LineMap) for r in table):
        raise ScenarioSyntaxError("parametrize: a list of rows, each a mapping of name -> value", path=path, line=where)
    rows: list[Row] = []
    first_keys: set[str] | None = None
    for index, raw in enumerate(table):
        line = table.item_lines[index]
        values = {k: v for k, v in raw.items() if k != "id"}
        _check_row(values, first_keys, index, path, line)
        first_keys = first_keys if first_keys is not None else set(values)
        row_id = str(raw.get("id") or "-".join(_shown(v) for v in values.values()))
        if any(r.id == row_id for r in rows):
            message = f"parametrize[{index}]: row id {row_id!r} is used twice; give the rows an `id:`"
            raise ScenarioSyntaxError(message, path=path, line=line)
        rows.append(Row(row_id, line, values))
    _check_used(document, rows[0], path, where)
    return rows


def _check_row(values: Mapping[str, Any], first: set[str] | None, index: int, path: Path | str, line: int) -> None:
    for name, value in values.items():
        if name in RESERVED:
            raise ScenarioSyntaxError(f"parametrize[{index}]: {name!r} is a built-in variable; rename it",
                                      path=path, line=line)  # fmt: skip
        if isinstance(value, dict | list):
            raise ScenarioSyntaxError(f"parametrize[{index}].{name}: a value is a string, number, boolean or null",
                                      path=path, line=line)  # fmt: skip
    if first is not None and set(values) != first:
        missing, extra = sorted(first - set(values)), sorted(set(values) - first)
        message = f"parametrize[{index}]: every row names the same values (missing {missing}, extra {extra})"
        raise ScenarioSyntaxError(message, path=path, line=line)


def _check_used(document: LineMap, row: Row, path: Path | str, line: int) -> None:
    used = set(_NAME.findall(repr({k: v for k, v in document.items() if k != "parametrize"})))
    unused = sorted(set(row.values) - used)
    if unused:
        message = f"parametrize: {', '.join(unused)} never used as {{name}} in the scenario"
        raise ScenarioSyntaxError(message, path=path, line=line)


def _shown(value: Any) -> str:
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def substitute_row(node: Any, values: Mapping[str, Any]) -> Any:
    """A copy of ``node`` with ``{name}`` replaced by the row's values, keeping every line number; a string that
    is exactly ``{name}`` takes the value's own type. Other ``{names}`` are left for the runner."""
    if isinstance(node, str):
        whole = _NAME.fullmatch(node)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return _NAME.sub(lambda m: _shown(values[m.group(1)]) if m.group(1) in values else m.group(0), node)
    if isinstance(node, LineMap):
        copy = LineMap((k, v if k == "parametrize" else substitute_row(v, values)) for k, v in node.items())
        copy.line, copy.key_lines = node.line, node.key_lines
        return copy
    if isinstance(node, LineList):
        items = LineList(substitute_row(v, values) for v in node)
        items.line, items.item_lines = node.line, node.item_lines
        return items
    return node
