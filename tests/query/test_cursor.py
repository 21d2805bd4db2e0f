from __future__ import annotations

import base64

import pytest

from simulator.errors import InvalidRequest
from simulator.query.cursor import Cursor, CursorCodec


def test_a_cursor_round_trips_for_its_own_scope_only() -> None:
    codec = CursorCodec(b"k" * 32)
    token = codec.encode(Cursor(41, 3, ("ana", 7)), "managedDevices|t|filter")
    assert codec.decode(token, "managedDevices|t|filter") == Cursor(41, 3, ("ana", 7))
    with pytest.raises(InvalidRequest, match="another query"):
        codec.decode(token, "managedDevices|other-tenant|filter")


@pytest.mark.parametrize("token", ["100", "", "!!!", "A" * 5000, base64.urlsafe_b64encode(b"x" * 40).decode()])
def test_a_forged_or_malformed_token_is_an_invalid_request(token: str) -> None:
    with pytest.raises(InvalidRequest, match="not a \\$skiptoken this service issued"):
        CursorCodec(b"k" * 32).decode(token, "scope")


def test_a_token_signed_by_another_instance_is_refused() -> None:
    token = CursorCodec(b"a" * 32).encode(Cursor(1), "scope")
    with pytest.raises(InvalidRequest):
        CursorCodec(b"b" * 32).decode(token, "scope")
