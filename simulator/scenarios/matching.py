"""JSON subset matching and JSON pointers: every difference becomes a Mismatch located by pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulator.errors import Mismatch

__all__ = ["MISSING", "escape", "resolve", "subset_mismatches"]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def resolve(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer (RFC 6901), or MISSING."""
    if pointer in ("", "/"):
        return document
    node = document
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def subset_mismatches(expected: Any, actual: Any, pointer: str = "") -> list[Mismatch]:
    """Differences between ``expected`` and ``actual``: mappings need only the expected keys, lists must have
    the same length, and a mapping whose keys all start with ``/`` is a set of pointer -> expected value."""
    if isinstance(expected, dict) and expected and all(str(k).startswith("/") for k in expected):
        return [m for key, value in expected.items() for m in subset_mismatches(value, resolve(actual, key), key)]
    return list(_walk(expected, actual, pointer))


def _walk(expected: Any, actual: Any, pointer: str) -> Iterator[Mismatch]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            yield Mismatch(pointer, expected, actual, "expected an object")
            return
        for key, value in expected.items():
            yield from _walk(value, actual.get(key, MISSING), f"{pointer}/{escape(str(key))}")
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            size = len(actual) if isinstance(actual, list) else "not a list"
            yield Mismatch(pointer, expected, actual, f"expected a list of {len(expected)}, got {size}")
            return
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            yield from _walk(want, got, f"{pointer}/{index}")
    elif not _same(expected, actual):
        yield Mismatch(pointer, expected, actual)


def _same(expected: Any, actual: Any) -> bool:
    # Why: in Python True == 1, but on the wire true and 1 are different values.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return bool(expected == actual)
