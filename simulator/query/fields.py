"""Filterable and sortable properties (an accessor table per resource) and filters compiled against them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from simulator.errors import InvalidRequest
from simulator.query.filter import And, Compare, Literal, Node, Or, StartsWith, datetime_literal

__all__ = ["Field", "compile_filter", "sort_value"]

R = TypeVar("R")
Predicate = Callable[[R], bool]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NONE_FIRST = -(2**62)


@dataclass(frozen=True, slots=True)
class Field(Generic[R]):
    """One property of a row ``R``: ``kind`` is "string" (compared case-insensitively, as Graph does), "datetime",
    "bool" or "number". ``cost`` is the read's price in units of a plain attribute read: a query that reads a costly
    field examines proportionally fewer rows per request (simulator/query/devices.py)."""

    name: str
    kind: str
    get: Callable[[R], Any]
    cost: int = 1


def compile_filter(node: Node, fields: Mapping[str, Field[R]]) -> Predicate[R]:
    """A predicate over rows, type-checked against ``fields``; a property or operator the table cannot answer is a
    400 naming it."""
    if isinstance(node, And):
        left, right = compile_filter(node.left, fields), compile_filter(node.right, fields)
        return lambda row: left(row) and right(row)
    if isinstance(node, Or):
        left, right = compile_filter(node.left, fields), compile_filter(node.right, fields)
        return lambda row: left(row) or right(row)
    field = _field(node.prop, fields)
    if isinstance(node, StartsWith):
        if field.kind != "string":
            raise _bad(f"startswith() needs a string property; {field.name} is a {field.kind}")
        prefix, get = node.prefix.lower(), field.get
        return lambda row: str(get(row)).lower().startswith(prefix)
    return _comparison(node, field)


def _comparison(node: Compare, field: Field[R]) -> Predicate[R]:
    get, op = field.get, node.op
    value = _coerce(node.literal, field)
    if op in ("gt", "ge", "lt", "le") and field.kind != "datetime":
        raise _bad(f"{op!r} is supported on date-time properties only; {field.name} is a {field.kind}")
    if field.kind == "string":
        text = str(value).lower()
        if op == "eq":
            return lambda row: str(get(row)).lower() == text
        return lambda row: str(get(row)).lower() != text
    compare: Callable[[Any, Any], bool] = {
        "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
    }[op]  # fmt: skip
    if op in ("eq", "ne"):
        return lambda row: compare(get(row), value)
    # A row without the property (an optional one) matches no ordering comparison, rather than raising.
    return lambda row: (found := get(row)) is not None and compare(found, value)


def _coerce(literal: Literal, field: Field[Any]) -> Any:
    if field.kind == "datetime":
        if literal.kind == "datetime":
            return literal.value
        if literal.kind == "string":
            return datetime_literal(str(literal.value))  # the quoted form of the same literal
    elif field.kind == literal.kind:
        return literal.value
    raise _bad(f"{field.name} is a {field.kind} property; {literal.text} is not a {field.kind} literal")


def _field(name: str, fields: Mapping[str, Field[R]]) -> Field[R]:
    found = fields.get(name)
    if found is None:
        raise _bad(f"filtering on {name!r} is not supported; filterable: {', '.join(sorted(fields))}")
    return found


def sort_value(field: Field[R], row: R) -> Any:
    """A value that sorts as Graph orders the property: strings without case, date-times by instant."""
    value = field.get(row)
    if value is None:  # an optional property the row lacks sorts first, and stays a JSON scalar for the cursor
        return "" if field.kind == "string" else _NONE_FIRST
    if field.kind == "string":
        return str(value).lower()
    if field.kind == "datetime":
        return (value - _EPOCH) // _MICROSECOND
    return value


def _bad(message: str) -> InvalidRequest:
    return InvalidRequest("invalidRequest", f"Invalid $filter: {message}", target="$filter")

