from __future__ import annotations

import random
from datetime import UTC, datetime

from simulator.consoles import RetryPolicy
from simulator.consoles.retry import parse_retry_after

POLICY = RetryPolicy(attempts=8, base=0.1, cap=1.0)


def test_backoff_doubles_per_attempt_within_a_jitter_of_half_to_whole() -> None:
    rng = random.Random(3)
    for attempt, full in enumerate((0.1, 0.2, 0.4, 0.8)):
        delays = [POLICY.delay(attempt, None, rng) for _ in range(200)]
        assert all(full / 2 <= d < full for d in delays)
        assert len(set(delays)) == 200  # jittered, not fixed


def test_backoff_never_exceeds_its_cap() -> None:
    rng = random.Random(3)
    assert all(0.5 <= POLICY.delay(attempt, None, rng) < 1.0 for attempt in range(4, 40))


def test_backoff_jitter_is_reproducible_from_the_seed() -> None:
    first, second = random.Random(9), random.Random(9)
    assert [POLICY.delay(n, None, first) for n in range(6)] == [POLICY.delay(n, None, second) for n in range(6)]


def test_retry_after_replaces_the_backoff_unless_the_profile_ignores_it() -> None:
    rng = random.Random(3)
    assert 2.5 <= POLICY.delay(0, 2.5, rng) < 2.6
    assert POLICY.delay(5, 2.5, rng, honour=False) == 0.0


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert parse_retry_after("2.128") == 2.128
    assert parse_retry_after("Wed, 25 Nov 2026 10:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
