from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import InvalidRequest
from simulator.query.fields import compile_filter
from simulator.query.filter import MAX_CLAUSES, MAX_FILTER_LENGTH, And, Compare, Or, StartsWith, parse_filter


def refusal(text: str) -> str:
    with pytest.raises(InvalidRequest) as caught:
        parse_filter(text)
    assert caught.value.target == "$filter"
    return caught.value.message


def test_and_binds_tighter_than_or_and_parentheses_regroup() -> None:
    plain = parse_filter("a eq 'x' or b eq 'y' and c eq 'z'")
    assert isinstance(plain, Or) and isinstance(plain.right, And)
    grouped = parse_filter("(a eq 'x' or b eq 'y') and c eq 'z'")
    assert isinstance(grouped, And) and isinstance(grouped.left, Or)


def test_literals_keep_their_kind_and_quotes_unescape() -> None:
    node = parse_filter("deviceName eq 'Ana''s phone'")
    assert isinstance(node, Compare) and node.literal.value == "Ana's phone"
    when = parse_filter("lastSyncDateTime ge 2026-11-25T10:00:00+01:00")
    assert isinstance(when, Compare) and isinstance(when.literal.value, datetime) and when.literal.value.hour == 9
    assert parse_filter("azureADRegistered eq TRUE").literal.value is True  # type: ignore[union-attr]
    starts = parse_filter("startswith(userPrincipalName, 'ana')")
    assert starts == StartsWith("userPrincipalName", "ana")


@pytest.mark.parametrize(("text", "named"), [
    ("contains(deviceName,'x')", "'contains' is not supported"),
    ("not (deviceName eq 'x')", "'not' is not supported"),
    ("operatingSystem in ('iOS')", "operator 'in' is not supported"),
    ("endswith(deviceName,'x')", "'endswith' is not supported"),
    ("deviceName eq null", "null"),
    ("deviceCategory/displayName eq 'x'", "unexpected character '/'"),
    ("@odata.type eq 'x'", "annotations are not supported"),
    ("deviceName eq 'x' xor", "unexpected 'xor'"),
    ("(deviceName eq 'x'", "expected ')'"),
    ("deviceName eq", "ends too early"),
    ("foo(deviceName) eq 'x'", "function 'foo' is not supported"),
])  # fmt: skip
def test_anything_outside_the_subset_is_refused_naming_the_part(text: str, named: str) -> None:
    assert named in refusal(text)


def test_input_size_clause_count_and_nesting_are_bounded() -> None:
    assert "limited to" in refusal("a eq '" + "x" * MAX_FILTER_LENGTH + "'")
    many = " or ".join(["a eq 'x'"] * (MAX_CLAUSES + 1))
    assert f"limited to {MAX_CLAUSES} comparisons" in refusal(many)
    deep = "(" * 500 + "a eq 'x'" + ")" * 500
    assert "nests parentheses" in refusal(deep)


def test_rows_without_an_optional_property_neither_match_an_ordering_nor_break_a_sort() -> None:
    from simulator.query.fields import Field, sort_value

    fields: dict[str, Field[dict[str, Any]]] = {"when": Field("when", "datetime", lambda row: row.get("when")),
              "flag": Field("flag", "bool", lambda row: row.get("flag"))}  # fmt: skip
    later = compile_filter(parse_filter("when gt 2026-01-01T00:00:00Z"), fields)
    assert later({}) is False and later({"when": datetime(2026, 2, 1).astimezone()}) is True
    rows = [{"flag": True}, {}, {"flag": False}]
    assert sorted(rows, key=lambda row: sort_value(fields["flag"], row)) == [{}, {"flag": False}, {"flag": True}]


_ALPHABET = st.sampled_from(["eq", "ne", "gt", "and", "or", "not", "(", ")", ",", "'", "''", " ", "startswith",
                             "deviceName", "osVersion", "lastSyncDateTime", "2026-11-25T10:00:00Z", "true", "1.5",
                             "null", "$", "/", "é", "contains"])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_ALPHABET, max_size=30).map(" ".join)))
def test_any_filter_text_parses_and_compiles_or_is_an_invalid_request(text: str) -> None:
    from simulator.service.device_fields import FIELDS

    try:
        compile_filter(parse_filter(text), FIELDS)
    except InvalidRequest as refused:
        assert refused.target == "$filter" and refused.message.startswith("Invalid $filter: ")
