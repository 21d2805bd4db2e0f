"""The report route reads a batch's reportedDateTime values with C-level checks (min/max of the texts for the year
bounds, the longest text for nanoseconds): it must agree with reading each text on its own."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from simulator.domain.clock import parse_datetime, with_nanoseconds
from simulator.errors import ConfigError, InvalidRequest
from simulator.service.partner import _reported_times


def one_by_one(texts: list[str]) -> list[datetime] | str:
    """The reference: the route's previous reading, a Python loop over the parsed times (a batch with a year 1 or
    9999, or a form fromisoformat refuses, is read through parse_datetime, which converts to UTC and refuses what
    leaves datetime's range); a refused batch gives the pointer of its first refused text."""
    try:
        times = [datetime.fromisoformat(text) for text in texts]
        if not all(1 < when.year < 9999 for when in times):
            raise ValueError("a year at the edge")
    except ValueError:
        times = []
        for index, text in enumerate(texts):
            try:
                times.append(parse_datetime(text))
            except ConfigError:
                return f"/reports/{index}/reportedDateTime"
    return [with_nanoseconds(text, when) if len(text) > 27 else when for text, when in zip(texts, times, strict=True)]


def batch_read(texts: list[str]) -> list[datetime] | str:
    try:
        return _reported_times([{"reportedDateTime": text} for text in texts])
    except InvalidRequest as exc:
        return str(exc.target)


@st.composite
def date_times(draw: st.DrawFn) -> str:
    year = draw(st.sampled_from([1, 2, 1970, 2026, 9998, 9999]) | st.integers(1, 9999))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.sampled_from([0, 30, 59, 60]))
    digits = draw(st.integers(0, 9))
    fraction = "." + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=digits, max_size=digits))) \
        if digits else ""
    offset = draw(st.sampled_from(["Z", "z", "+00:00", "+01:00", "-01:00", "+14:00", "-12:30"]))
    separator = draw(st.sampled_from(["T", "T", "t"]))
    return f"{year:04d}-{month:02d}-{day:02d}{separator}{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"


def same(a: list[datetime] | str, b: list[datetime] | str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return [(t, getattr(t, "nanosecond", 0), t.utcoffset()) for t in a] == \
        [(t, getattr(t, "nanosecond", 0), t.utcoffset()) for t in b]


@given(st.lists(date_times(), min_size=1, max_size=12))
def test_a_batch_of_report_times_reads_as_each_time_read_alone(texts: list[str]) -> None:
    assert same(batch_read(texts), one_by_one(texts))


def test_years_one_and_9999_are_read_through_the_exact_parser_and_refused_only_when_they_leave_utc() -> None:
    assert batch_read(["2026-11-25T10:00:00Z", "0001-01-01T00:00:00+01:00"]) == "/reports/1/reportedDateTime"
    assert batch_read(["9999-12-31T23:00:00-01:00"]) == "/reports/0/reportedDateTime"
    kept = batch_read(["9999-12-31T22:00:00+01:00", "0001-01-01T01:00:00+01:00", "2026-11-25T10:00:00.123456789Z"])
    assert not isinstance(kept, str) and [t.year for t in kept] == [9999, 1, 2026]
    assert getattr(kept[2], "nanosecond", 0) == 789
