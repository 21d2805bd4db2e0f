"""Records to JSON-ready values and back, losslessly, for snapshots and the state directory (never pickle).

One generic codec per record class, built once from its type hints: datetimes become ISO 8601 text with every
digit kept (nanoseconds included), enums their value, bytes hex, nested records (an iOS device's apps) records
again. Generic rather than one hand-written function per record, so a field another part of mtdsim adds to a record
is saved and restored without a change here.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from simulator.domain.clock import with_nanoseconds
from simulator.errors import InvalidRequest

__all__ = ["RecordCodec", "aware_datetime", "codec_for", "datetime_text", "register"]

R = TypeVar("R")
Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _optional(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


_SPECIAL: dict[Any, tuple[Convert, Convert]] = {}


def aware_datetime(text: str) -> datetime:
    """ISO 8601 text with an offset: every datetime the service keeps is aware (ValueError otherwise).

    Digits past the sixth come back as nanoseconds (a report time Graph wrote with seven, see ``datetime_text``).
    """
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return with_nanoseconds(text, when)


def datetime_text(when: datetime) -> str:
    """ISO 8601 with every digit the service keeps: a ``PreciseDateTime``'s nanoseconds too, or a restart would
    make a client's retry of its last report read as 700 ns newer than what is stored."""
    nanosecond = getattr(when, "nanosecond", 0)
    if not nanosecond:
        return when.isoformat()
    text = when.isoformat(timespec="microseconds")
    fraction_end = len("YYYY-MM-DDTHH:MM:SS.ffffff")  # isoformat always writes four-digit years
    return f"{text[:fraction_end]}{nanosecond:03d}{text[fraction_end:]}"


def register(kind: type[Any], encode: Convert, decode: Convert) -> None:
    """A type the generic rules cannot encode (it holds key objects, say): its own (encode, decode) pair."""
    _SPECIAL[kind] = (encode, decode)


def _checked(kind: type[Any]) -> Convert:
    """A decoder that lets only values of ``kind`` through: a snapshot is input, and a string where the service
    keeps an int would fail later, in some request, as a 500."""

    def check(value: Any) -> Any:
        # bool is an int in Python, and an int is a fine float, but neither is a str or a bool.
        if isinstance(value, kind) and not (kind is not bool and isinstance(value, bool)):
            return value
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        raise TypeError(f"{value!r} is not a {kind.__name__}")

    return check


def _literal(allowed: tuple[Any, ...]) -> Convert:
    def check(value: Any) -> Any:
        if value in allowed:
            return value
        raise ValueError(f"{value!r} is not one of {allowed}")

    return check


def _converters(hint: Any) -> tuple[Convert, Convert]:
    """(encode, decode) for one field type; other types pass through (they are JSON-ready already)."""
    if hint in _SPECIAL:
        return _SPECIAL[hint]
    if hint in (str, int, bool, float):
        return _same, _checked(hint)
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return _same, _literal(typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(inner) == 1:
            encode, decode = _converters(inner[0])
            return _optional(encode), _optional(decode)
        return _same, _same
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis and args[0] in _SPECIAL:
            encode_one, decode_one = _SPECIAL[args[0]]
            return (lambda items: [encode_one(i) for i in items]), (lambda items: tuple(map(decode_one, items)))
        if len(args) == 2 and args[1] is Ellipsis and isinstance(args[0], type) and dataclasses.is_dataclass(args[0]):
            nested = codec_for(args[0])
            return (lambda items: [nested.encode(i) for i in items]), (lambda items: tuple(map(nested.decode, items)))
        return list, tuple
    if hint is datetime:
        return datetime_text, aware_datetime
    if hint is bytes:
        return bytes.hex, bytes.fromhex
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return (lambda member: member.value), hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        nested = codec_for(hint)
        return nested.encode, nested.decode
    return _same, _same


class RecordCodec(Generic[R]):
    """Encodes a frozen dataclass or NamedTuple as a dict keyed by field name; decodes it back."""

    def __init__(self, kind: type[R]) -> None:
        self.kind = kind
        hints = typing.get_type_hints(kind)
        # A dataclass, or else a NamedTuple (ThreatReport).
        names = ([f.name for f in dataclasses.fields(kind)] if dataclasses.is_dataclass(kind)
                 else list(kind._fields))  # type: ignore[attr-defined]  # fmt: skip
        self._fields = [(name, *_converters(hints[name])) for name in names]

    def encode(self, record: R) -> dict[str, Any]:
        return {name: encode(getattr(record, name)) for name, encode, _ in self._fields}

    def decode(self, data: Mapping[str, Any]) -> R:
        """Fields missing from ``data`` take the record's defaults (a snapshot from an older mtdsim)."""
        try:
            values = {name: decode(data[name]) for name, _, decode in self._fields if name in data}
            return self.kind(**values)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise InvalidRequest("invalidRequest", f"not a valid {self.kind.__name__}: {exc}") from None


_CODECS: dict[type[Any], RecordCodec[Any]] = {}


def codec_for(kind: type[R]) -> RecordCodec[R]:
    """The codec of ``kind``, built on first use (type hints are resolved once per class)."""
    codec = _CODECS.get(kind)
    if codec is None:
        codec = _CODECS[kind] = RecordCodec(kind)
    return codec
