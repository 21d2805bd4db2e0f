"""The pre-parse bound that decides which bodies go to the worker never underestimates a body's JSON values."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from simulator.bodies import structural_bytes, values_bound


def values_in(node: Any) -> int:
    """JSON values as the parser makes them: every scalar, container and object key."""
    if isinstance(node, list):
        return 1 + sum(values_in(item) for item in node)
    if isinstance(node, dict):
        return 1 + len(node) + sum(values_in(item) for item in node.values())
    return 1


BODIES = [
    b"0",
    b"[]",
    b"{}",
    b'"a, b: [c] {d}"',
    b"[" * 200 + b"]" * 200,  # containers without a comma between them
    b"[" + b",".join([b"[[[]]]"] * 300) + b"]",
    b'{"a": {"b": {"c": [1, {"d": null}]}}, "e": "", "f": [[], {}]}',
    b'{"": 0, "x": {"": {}}}',
    b" [ 1 , 2 , 3 ] ",
    orjson.dumps({"reports": [0] * 10_000}),
    orjson.dumps({f"key{i}": [i, {"k": "v,:[{"}] for i in range(1000)}),
]


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b[:20].decode())
def test_the_bound_is_never_below_the_values_the_parser_makes(body: bytes) -> None:
    assert values_bound(body) >= values_in(orjson.loads(body))


def test_the_bound_of_plain_arrays_and_objects_is_exact() -> None:
    assert values_bound(b"[1,2,3]") == values_in([1, 2, 3]) == 4
    assert values_bound(b'{"a":1,"b":[2]}') == values_in({"a": 1, "b": [2]}) == 6


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b[:20].decode())
def test_the_bound_counted_in_slices_is_the_bound_of_the_whole_body(body: bytes) -> None:
    assert 1 + sum(structural_bytes(body, start, start + 7) for start in range(0, len(body), 7)) == values_bound(body)
