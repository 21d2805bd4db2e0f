"""Bounded retries: exponential backoff with seeded jitter and a cap, and Retry-After honoured."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["RETRYABLE", "RetryPolicy", "parse_retry_after"]

RETRYABLE = frozenset({429, 500, 502, 503, 504})
# asyncio may wake a timer up to one clock resolution early; the mock measures Retry-After in real time.
_RETRY_AFTER_MARGIN = 0.05


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` tries in all; the n-th wait is ``min(cap, base * 2**n)`` scaled by a jitter in [0.5, 1)."""

    attempts: int = 6
    base: float = 0.1
    cap: float = 5.0
    max_retry_after: float = 120.0  # a longer Retry-After gives up rather than stall the run

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random, *, honour: bool = True) -> float:
        if retry_after is not None:
            return retry_after + _RETRY_AFTER_MARGIN if honour else 0.0
        return min(self.cap, self.base * 2.0**attempt) * (0.5 + rng.random() / 2)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds (the mock may send fractions) or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
