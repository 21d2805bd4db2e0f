"""The virtual clock every rule reads "now" from, and the ISO 8601 texts the wire uses.

A frozen clock makes tests and scenarios exact; a ticking clock follows wall time for ``mtdsim serve``. Either can be
set or advanced, so a 14-day scenario runs in milliseconds.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from simulator.errors import ConfigError

__all__ = [
    "GRAPH_NEVER",
    "LATEST",
    "PreciseDateTime",
    "VirtualClock",
    "format_datetime",
    "parse_datetime",
    "parse_duration",
    "with_nanoseconds",
]

# Graph shows a never-set DateTimeOffset as this value (seen on connectors that never sent a heartbeat).
GRAPH_NEVER = "0001-01-01T00:00:00Z"

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


# The clock stays a day short of the end of year 9999, so what the rules add to "now" (a report's 5-minute skew
# window, a token's lifetime) still fits in a datetime. A ticking clock stops here.
LATEST = datetime(9999, 12, 31, tzinfo=UTC)


class VirtualClock:
    """Now, as the mock sees it: frozen (tests) or ticking with wall time (serve), plus explicit jumps."""

    def __init__(
        self,
        start: datetime | None = None,
        *,
        ticking: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # ``monotonic`` is the wall-time source a ticking clock follows; tests inject their own so they assume
        # nothing about how fast the machine runs.
        self._monotonic = monotonic
        self._base = _in_range(start) if start is not None else datetime.now(UTC)
        self._ticking = ticking
        self._wall_base = monotonic()
        self._reading = self._base  # what a ticking clock reads until the monotonic clock passes _next_tick
        self._next_tick = -math.inf

    @property
    def ticking(self) -> bool:
        return self._ticking

    def now(self) -> datetime:
        """A ticking clock moves in whole milliseconds from where it was set, and every reading within one
        millisecond is the same object: the service keeps "now" in its journal and records, and the ~10 requests
        of a millisecond sharing one datetime cost measurably less than a datetime each (loadtests/README.md)."""
        if not self._ticking:
            return self._base
        wall = self._monotonic()
        return self._reading if wall < self._next_tick else self._read(wall)

    def _read(self, wall: float) -> datetime:
        elapsed_ms = math.floor((wall - self._wall_base) * 1000)
        self._next_tick = self._wall_base + (elapsed_ms + 1) / 1000
        try:
            self._reading = min(self._base + timedelta(milliseconds=elapsed_ms), LATEST)
        except OverflowError:
            self._reading = LATEST
        return self._reading

    def set(self, when: datetime | None = None, *, ticking: bool | None = None) -> None:
        """Jump to ``when`` (default: stay at now) and optionally freeze (False) or unfreeze (True) the clock."""
        self._base = _in_range(when) if when is not None else self.now()
        self._wall_base = self._monotonic()
        self._reading, self._next_tick = self._base, -math.inf
        if ticking is not None:
            self._ticking = ticking

    def advance(self, delta: timedelta) -> datetime:
        """Move by ``delta``; a jump before year 1 or past ``LATEST`` is a ``ConfigError``."""
        try:
            target = self.now() + delta
        except OverflowError:
            raise ConfigError(f"the clock cannot move by {delta}: it would leave the years 1 to 9999") from None
        self.set(target)
        return self.now()


def parse_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration such as ``P14D``, ``PT5M`` or ``P1DT2H30M5.5S`` (no years or months)."""
    match = _DURATION.match(text)
    if match is None or text in ("P", "-P") or text.endswith("T"):
        raise ConfigError(f"not an ISO 8601 duration (like P14D or PT5M): {text!r}")
    parts = {k: float(v) for k, v in match.groupdict().items() if v and k != "sign"}
    try:
        delta = timedelta(**parts)
    except OverflowError:
        raise ConfigError(f"duration too long (at most {timedelta.max.days} days): {text!r}") from None
    return -delta if match["sign"] else delta


def format_datetime(when: datetime) -> str:
    """Graph's UTC text form: seconds precision with ``Z``, fractional seconds only when present."""
    when = _as_utc(when)
    # isoformat pads the year to four digits; strftime's %Y writes year 1 as "1" on glibc, which is not RFC 3339.
    text = when.replace(tzinfo=None).isoformat(timespec="seconds")
    if when.microsecond:
        text += f".{when.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_datetime(text: str) -> datetime:
    """Parse an RFC 3339 date-time (``Z`` or an offset) into an aware UTC datetime.

    RFC 3339 also allows a lower-case ``t`` and ``z`` and a leap second (``23:59:60``), which ``fromisoformat``
    refuses; Python has no leap seconds, so one is read as the last whole second before it.
    """
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _parse_rfc3339_oddities(text)
    if parsed.tzinfo is None:
        raise ConfigError(f"date-time needs a time zone (Z or +hh:mm): {text!r}")
    try:
        return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0 in UTC, 9999-12-31T23:00:00-01:00 in 10000
        raise ConfigError(f"date-time outside the years 1 to 9999 in UTC: {text!r}") from None


def _parse_rfc3339_oddities(text: str) -> datetime:
    normalized = text.upper()
    if normalized[16:19] == ":60":
        normalized = normalized[:17] + "59" + normalized[19:]
    try:
        return datetime.fromisoformat(normalized)
    except ValueError as exc:
        raise ConfigError(f"not an RFC 3339 date-time: {text!r}") from exc


def _in_range(when: datetime) -> datetime:
    when = _as_utc(when)
    if when > LATEST:
        raise ConfigError(f"the clock cannot go past {format_datetime(LATEST)}, a day short of the end of year 9999")
    return when


def _as_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return when.astimezone(UTC)


class PreciseDateTime(datetime):
    """A datetime that also orders by the nanoseconds below its microsecond (``nanosecond``, 0..999).

    Graph writes seven fractional digits (100 ns) and Python's datetime keeps six, so a report 100 ns newer than
    the stored one read as equal (and was refused as stale). Only a time written with more than six digits becomes
    one of these; plain datetimes compare as always, and a comparison with one of these uses its methods (Python
    tries a subclass's reflected operator first).
    """

    nanosecond: int

    def __new__(cls, base: datetime, nanosecond: int) -> PreciseDateTime:
        self = super().__new__(cls, base.year, base.month, base.day, base.hour, base.minute, base.second,
                               base.microsecond, base.tzinfo, fold=base.fold)  # fmt: skip
        self.nanosecond = nanosecond
        return self

    def _order(self, other: object) -> int | None:
        """-1, 0 or 1 as self is before, at or after ``other``; None when ``other`` is not a datetime."""
        if not isinstance(other, datetime):
            return None
        if datetime.__lt__(self, other):
            return -1
        if datetime.__gt__(self, other):
            return 1
        mine, theirs = self.nanosecond, getattr(other, "nanosecond", 0)
        return (mine > theirs) - (mine < theirs)

    def __eq__(self, other: object) -> bool:
        order = self._order(other)
        return NotImplemented if order is None else order == 0

    def __ne__(self, other: object) -> bool:
        order = self._order(other)
        return NotImplemented if order is None else order != 0

    def __lt__(self, other: object) -> bool:
        order = self._order(other)
        return NotImplemented if order is None else order < 0

    def __le__(self, other: object) -> bool:
        order = self._order(other)
        return NotImplemented if order is None else order <= 0

    def __gt__(self, other: object) -> bool:
        order = self._order(other)
        return NotImplemented if order is None else order > 0

    def __ge__(self, other: object) -> bool:
        order = self._order(other)
        return NotImplemented if order is None else order >= 0

    __hash__ = datetime.__hash__  # equal times hash alike; a few unequal ones sharing a microsecond may collide


_FRACTION = re.compile(r"[.,](\d{7,})")


def with_nanoseconds(text: str, when: datetime) -> datetime:
    """``when`` (parsed from ``text``, which has its first six fractional digits) with the 7th to 9th digits of
    ``text`` as nanoseconds; ``when`` itself when there are none (digits past the 9th are below a nanosecond)."""
    match = _FRACTION.search(text)
    if match is None:
        return when
    nanosecond = int(match.group(1)[6:9].ljust(3, "0"))
    return PreciseDateTime(when, nanosecond) if nanosecond else when
