"""The OData ``$filter`` subset Intune's managedDevices answers: a bounded recursive-descent parser.

Supported: ``eq ne gt ge lt le`` comparisons of a property with a literal, ``startswith(property, 'text')``, ``and``,
``or`` and parentheses. Literals: ``'text'`` (``''`` escapes a quote), ``true``/``false``, numbers, and date-times
(``2026-11-25T10:00:00Z``, quoted or not). Anything else is refused with a 400 that names the part, never ignored.
Hand-written rather than a PyPI parser (docs/decisions.md): the grammar is this small, and every refusal must name the
construct a client used, which a full-grammar parser would leave to a second walk over its tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from simulator.domain.clock import parse_datetime
from simulator.errors import ConfigError, InvalidRequest

__all__ = ["MAX_CLAUSES", "MAX_FILTER_LENGTH", "And", "Compare", "Literal", "Node", "Or", "StartsWith",
           "datetime_literal", "parse_filter", "properties_of"]  # fmt: skip

MAX_FILTER_LENGTH: Final = 2048  # characters; a real query is a few hundred at most
MAX_CLAUSES: Final = 32  # comparisons and startswith calls; also bounds the nesting depth
COMPARISONS: Final = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
# Names OData defines that mtdsim does not answer: refused by name.
_UNSUPPORTED: Final = frozenset({
    "not", "has", "in", "add", "sub", "mul", "div", "divby", "mod", "contains", "endswith", "indexof", "length",
    "substring", "tolower", "toupper", "trim", "concat", "year", "month", "day", "hour", "minute", "second",
    "fractionalseconds", "date", "time", "now", "totaloffsetminutes", "any", "all", "isof", "cast", "round", "floor",
    "ceiling", "matchespattern", "maxdatetime", "mindatetime", "totalseconds",
})  # fmt: skip
_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_@][A-Za-z0-9_.@]*)
    | (?P<punct>[(),])
    | (?P<other>\S)
    )""", re.VERBOSE)  # fmt: skip
SUPPORTED = "eq, ne, gt, ge, lt, le, and, or, startswith() and parentheses"


@dataclass(frozen=True, slots=True)
class Literal:
    kind: str  # "string" | "datetime" | "bool" | "number"
    value: str | datetime | bool | float
    text: str


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    prop: str
    literal: Literal


@dataclass(frozen=True, slots=True)
class StartsWith:
    prop: str
    prefix: str


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


Node = Compare | StartsWith | And | Or


def parse_filter(text: str) -> Node:
    """Parse ``text`` or raise InvalidRequest (target ``$filter``) naming what is wrong or unsupported."""
    if len(text) > MAX_FILTER_LENGTH:
        raise _bad(f"$filter is limited to {MAX_FILTER_LENGTH} characters")
    parser = _Parser(_tokens(text))
    node = parser.expression()
    if parser.peek() is not None:
        raise _bad(f"unexpected {parser.peek()[1]!r} after a complete expression")  # type: ignore[index]
    return node


def properties_of(node: Node) -> set[str]:
    if isinstance(node, Compare | StartsWith):
        return {node.prop}
    return properties_of(node.left) | properties_of(node.right)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:  # only trailing spaces are left
            break
        position = match.end()
        kind = match.lastgroup or "other"
        if kind == "other":
            raise _bad(f"unexpected character {match[kind]!r}; supported: {SUPPORTED}")
        tokens.append((kind, match[kind]))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.clauses = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _bad("the expression ends too early")
        self.position += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "name" and token[1].lower() == word:
            self.position += 1
            return True
        return False

    def expression(self) -> Node:
        node = self.conjunction()
        while self.keyword("or"):
            node = Or(node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.term()
        while self.keyword("and"):
            node = And(node, self.term())
        return node

    def term(self) -> Node:
        kind, text = self.take()
        if (kind, text) == ("punct", "("):
            self.depth += 1
            if self.depth > MAX_CLAUSES:  # recursion depth, so no input reaches Python's recursion limit
                raise _bad(f"$filter nests parentheses at most {MAX_CLAUSES} deep")
            node = self.expression()
            self.expect(")")
            self.depth -= 1
            return node
        if kind != "name":
            raise _bad(f"expected a property name or startswith(), not {text!r}")
        if text.lower() in _UNSUPPORTED:
            raise _bad(f"{text!r} is not supported; supported: {SUPPORTED}")
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise _bad(f"$filter is limited to {MAX_CLAUSES} comparisons")
        if text.lower() == "startswith":
            return self.startswith()
        return self.comparison(text)

    def startswith(self) -> StartsWith:
        self.expect("(")
        kind, prop = self.take()
        if kind != "name":
            raise _bad(f"startswith() takes a property first, not {prop!r}")
        self.expect(",")
        literal = self.literal()
        self.expect(")")
        if literal.kind != "string":
            raise _bad(f"startswith() takes a quoted string second, not {literal.text!r}")
        return StartsWith(_property(prop), str(literal.value))

    def comparison(self, prop: str) -> Compare:
        kind, op = self.take()
        if kind == "punct" and op == "(":
            raise _bad(f"function {prop!r} is not supported; supported: {SUPPORTED}")
        if kind != "name" or op.lower() not in COMPARISONS:
            detail = f"operator {op!r} is not supported" if kind == "name" else f"expected an operator, not {op!r}"
            raise _bad(f"{detail}; supported: {SUPPORTED}")
        return Compare(op.lower(), _property(prop), self.literal())

    def literal(self) -> Literal:
        kind, text = self.take()
        if kind == "string":
            return Literal("string", text[1:-1].replace("''", "'"), text)
        if kind == "datetime":
            return Literal("datetime", datetime_literal(text), text)
        if kind == "number":
            return Literal("number", float(text), text)
        if kind == "name" and text.lower() in ("true", "false"):
            return Literal("bool", text.lower() == "true", text)
        if kind == "name" and text.lower() == "null":
            raise _bad("comparisons with null are not supported")
        raise _bad(f"expected a literal ('text', true, false, a number or a date-time), not {text!r}")

    def expect(self, punct: str) -> None:
        token = self.peek()
        if token != ("punct", punct):
            raise _bad(f"expected {punct!r}" + (f", not {token[1]!r}" if token else " before the end"))
        self.position += 1


def _property(name: str) -> str:
    if "." in name or name.startswith("@"):
        raise _bad(f"{name!r}: navigation, casts and annotations are not supported in $filter")
    return name


def datetime_literal(text: str) -> datetime:
    try:
        return parse_datetime(text)
    except (ConfigError, ValueError):
        raise _bad(f"{text!r} is not a valid date-time") from None


def _bad(message: str) -> InvalidRequest:
    return InvalidRequest("invalidRequest", f"Invalid $filter: {message}", target="$filter")
