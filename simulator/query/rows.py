"""Query options over a small in-memory collection (compliance policies): every row is examined, so this is for
collections an admin creates by hand, never for devices."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.domain.clock import parse_datetime
from simulator.errors import ConfigError
from simulator.query.cursor import Cursor
from simulator.query.fields import Field, compile_filter, sort_value
from simulator.query.options import QueryOptions

__all__ = ["RowPage", "fields_from_schema", "page_rows"]

View = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RowPage:
    rows: list[View]
    next: Cursor | None
    count: int | None


def fields_from_schema(schema: Mapping[str, Any]) -> dict[str, Field[View]]:
    """A field per scalar property of a contract, its kind read from the schema (strings and enums compare as text)."""
    fields: dict[str, Field[View]] = {}
    for name, spec in schema.get("properties", {}).items():
        if name.startswith("@"):
            continue
        text = str(spec)
        kinds = spec.get("type")
        if "dateTime" in text:
            fields[name] = Field(name, "datetime", _reader(name, _when))
        elif kinds == "boolean":
            fields[name] = Field(name, "bool", _reader(name, lambda value: value))
        elif kinds == "integer" or "int32" in text:
            fields[name] = Field(name, "number", _reader(name, lambda value: value))
        elif kinds != "array" and kinds != "object":
            fields[name] = Field(name, "string", _reader(name, lambda value: value or ""))
    return fields


def _reader(name: str, convert: Callable[[Any], Any]) -> Callable[[View], Any]:
    return lambda view: convert(view.get(name))


def page_rows(views: list[View], options: QueryOptions, cursor: Cursor | None,
              fields: Mapping[str, Field[View]]) -> RowPage:  # fmt: skip
    """Filter, order (ties by id), count, skip and page ``views``; the cursor holds the last row's sort key."""
    if options.filter is not None:
        predicate = compile_filter(options.filter, fields)
        views = [v for v in views if predicate(v)]
    count = len(views) if options.count else None
    keyed = [(tuple(sort_value(fields[name], v) for name, _ in options.orderby), str(v.get("id", "")), v)
             for v in views]  # fmt: skip
    keyed.sort(key=lambda r: r[1])
    for position in reversed(range(len(options.orderby))):
        keyed.sort(key=lambda r: r[0][position], reverse=options.orderby[position][1])
    start = options.skip
    if cursor is not None and cursor.sort_key is not None:
        mark, directions = cursor.sort_key, [desc for _, desc in options.orderby]
        start = next((i for i, r in enumerate(keyed) if _beyond(r[0] + (r[1],), tuple(mark), directions)),
                     len(keyed))  # fmt: skip
    page = keyed[start : start + options.top]
    following = None
    if page and start + options.top < len(keyed):
        following = Cursor(-1, 0, (*page[-1][0], page[-1][1]))
    return RowPage([r[2] for r in page], following, count)


def _beyond(row: tuple[Any, ...], mark: tuple[Any, ...], directions: list[bool]) -> bool:
    for value, marked, desc in zip(row, mark, [*directions, False], strict=True):
        if value != marked:
            return bool(value < marked) if desc else bool(value > marked)
    return False


def _when(text: Any) -> Any:
    try:
        return parse_datetime(str(text))
    except ConfigError:
        return None
