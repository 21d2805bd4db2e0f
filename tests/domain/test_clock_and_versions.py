from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.domain.clock import LATEST, VirtualClock, format_datetime, parse_datetime, parse_duration
from simulator.domain.versions import parse_version, version_below
from simulator.errors import ConfigError


@pytest.mark.parametrize(
    ("older", "newer"),
    [("4.1", "4.10"), ("15.6", "15.10"), ("9", "10"), ("4.2.2", "4.10"), ("15.6", "15.6.1"), ("8.0", "8.0.1")],
)
def test_os_versions_compare_numerically_per_part(older: str, newer: str) -> None:
    assert version_below(older, newer)
    assert not version_below(newer, older)


def test_trailing_zero_parts_do_not_change_a_version() -> None:
    assert parse_version("11") == parse_version("11.0") == parse_version("11.0.0")
    assert not version_below("11", "11.0")


def test_a_non_numeric_version_is_refused() -> None:
    with pytest.raises(ValueError, match="not a dotted numeric OS version"):
        parse_version("15.beta")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P14D", timedelta(days=14)),
        ("PT5M", timedelta(minutes=5)),
        ("P1DT2H30M5.5S", timedelta(days=1, hours=2, minutes=30, seconds=5.5)),
        ("P2W", timedelta(weeks=2)),
        ("-PT1S", timedelta(seconds=-1)),
    ],
)
def test_iso_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "14D", "PT", "P1Y", "P1DT"])
def test_malformed_durations_are_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="ISO 8601 duration"):
        parse_duration(text)


def test_a_frozen_clock_only_moves_when_told() -> None:
    start = datetime(2026, 11, 25, 10, tzinfo=UTC)
    clock = VirtualClock(start)
    assert clock.now() == start
    assert clock.advance(timedelta(days=14)) == start + timedelta(days=14)
    clock.set(start)
    assert clock.now() == start


def test_a_ticking_clock_keeps_jumps_and_moves_forward() -> None:
    start = datetime(2026, 11, 25, 10, tzinfo=UTC)
    clock = VirtualClock(start, ticking=True)
    clock.advance(timedelta(days=1))
    assert clock.now() >= start + timedelta(days=1)


class FakeWallTime:
    """A monotonic time source the test moves by hand, so no assertion depends on how fast the machine runs."""

    def __init__(self, start: float = 1000.0) -> None:
        self.seconds = start

    def __call__(self) -> float:
        return self.seconds


def test_a_ticking_clock_moves_in_whole_milliseconds_from_where_it_was_set() -> None:
    start = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)
    wall = FakeWallTime()
    clock = VirtualClock(start, ticking=True, monotonic=wall)
    readings = [clock.now()]
    for step in (0.0004, 0.0005, 0.0003, 0.0021, 0.0, 0.25, 0.0009):
        wall.seconds += step
        readings.append(clock.now())
    elapsed = [r - start for r in readings]
    ms = timedelta(milliseconds=1)
    assert elapsed == [0 * ms, 0 * ms, 0 * ms, 1 * ms, 3 * ms, 3 * ms, 253 * ms, 254 * ms]
    assert readings[1] is readings[0] and readings[4] is readings[5]  # one object per millisecond read


def test_a_ticking_clock_counts_from_the_moment_it_was_set_again() -> None:
    wall = FakeWallTime()
    clock = VirtualClock(datetime(2026, 11, 25, 10, tzinfo=UTC), ticking=True, monotonic=wall)
    wall.seconds += 5.0
    later = datetime(2026, 12, 1, tzinfo=UTC)
    clock.set(later)
    assert clock.now() == later
    wall.seconds += 0.0015
    assert clock.now() == later + timedelta(milliseconds=1)


def test_naive_datetimes_are_refused_by_the_clock() -> None:
    with pytest.raises(ValueError, match="naive"):
        VirtualClock(datetime(2026, 1, 1))


def test_datetimes_format_like_graph() -> None:
    assert format_datetime(datetime(2026, 11, 25, 10, tzinfo=UTC)) == "2026-11-25T10:00:00Z"
    assert format_datetime(datetime(2026, 11, 25, 10, 0, 0, 250000, tzinfo=UTC)) == "2026-11-25T10:00:00.25Z"


def test_years_before_1000_are_written_with_four_digits() -> None:
    assert format_datetime(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    assert format_datetime(datetime(999, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)) == "0999-12-31T23:59:59.5Z"


def test_datetimes_with_offsets_parse_to_utc() -> None:
    assert parse_datetime("2026-11-25T11:00:00+01:00") == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert parse_datetime("2026-11-25T10:00:00Z") == datetime(2026, 11, 25, 10, tzinfo=UTC)
    with pytest.raises(ConfigError, match="time zone"):
        parse_datetime("2026-11-25T10:00:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25t10:00:00z", datetime(2026, 11, 25, 10, tzinfo=UTC)),
        ("2026-12-31T23:59:60Z", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-11-25T10:00:00.123456789Z", datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_every_rfc_3339_date_time_parses_even_where_fromisoformat_would_not(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_a_date_time_that_is_not_rfc_3339_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not an RFC 3339 date-time"):
        parse_datetime("25/11/2026 10:00")


def test_durations_and_jumps_beyond_what_datetime_holds_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="duration too long"):
        parse_duration("P9999999999D")
    clock = VirtualClock(datetime(2026, 11, 25, tzinfo=UTC))
    with pytest.raises(ConfigError, match="years 1 to 9999"):
        clock.advance(parse_duration("P0026348314W"))
    assert clock.now() == datetime(2026, 11, 25, tzinfo=UTC)


def test_the_clock_stops_a_day_short_of_the_end_of_year_9999() -> None:
    clock = VirtualClock(datetime(9999, 12, 30, tzinfo=UTC))
    with pytest.raises(ConfigError, match="cannot go past 9999-12-31T00:00:00Z"):
        clock.advance(timedelta(days=1, seconds=1))
    with pytest.raises(ConfigError, match="cannot go past"):
        clock.set(datetime(9999, 12, 31, 12, tzinfo=UTC))
    with pytest.raises(ConfigError, match="cannot go past"):
        VirtualClock(datetime(9999, 12, 31, 0, 0, 1, tzinfo=UTC))
    assert clock.advance(timedelta(days=1)) == LATEST
    clock.set(ticking=True)  # a ticking clock at the end stays there
    assert clock.now() == LATEST == datetime(9999, 12, 31, tzinfo=UTC)
