"""``$skiptoken`` cursors: opaque, signed, and bound to the query that made them.

A cursor says where the next page starts (after a device's enrolment position, or after a sort key and position),
how many matches of ``$skip`` are still to be passed over, and a digest of the tenant and the query's filter and
order. It is HMAC-signed with a key of the running instance, so a forged, altered or foreign one is a 400, not a
wrong page or a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import orjson

from simulator.errors import InvalidRequest

__all__ = ["Cursor", "CursorCodec"]

_MAC_BYTES = 16
_MAX_TOKEN = 2048


@dataclass(frozen=True, slots=True)
class Cursor:
    after: int  # enrolment position (seq) of the last row examined; -1 before the first
    skip_left: int = 0
    sort_key: tuple[Any, ...] | None = None  # with $orderby: the last row's sort values


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, cursor: Cursor, scope: str) -> str:
        payload = orjson.dumps([cursor.after, cursor.skip_left, cursor.sort_key, _digest(scope)])
        mac = hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")

    def decode(self, token: str, scope: str) -> Cursor:
        """The cursor in ``token``; a 400 when it was not made by this instance for this tenant and query."""
        try:
            if len(token) > _MAX_TOKEN:
                raise ValueError("too long")
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
            if not hmac.compare_digest(mac, hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]):
                raise ValueError("bad signature")
            after, skip_left, sort_key, digest = orjson.loads(payload)
        except (ValueError, TypeError, orjson.JSONDecodeError):
            raise _invalid("it is not a $skiptoken this service issued") from None
        if digest != _digest(scope):
            raise _invalid("it was issued for another query; keep $filter and $orderby as in the first request")
        return Cursor(after, skip_left, tuple(sort_key) if sort_key is not None else None)


def _digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def _invalid(why: str) -> InvalidRequest:
    return InvalidRequest("invalidRequest", f"Invalid $skiptoken: {why}", target="$skiptoken")
