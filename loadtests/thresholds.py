"""Pass/fail thresholds for a load run: parse ``[endpoint:] metric op value`` and evaluate them on a stats snapshot.

Examples: ``p95_ms < 250`` (overall), ``fail_ratio <= 0.01``, ``rps >= 100``,
``POST /partner/v1/deviceThreatReports: p95_ms < 400``. Metrics: p50_ms, p95_ms, p99_ms, fail_ratio, rps,
requests, failures. An endpoint is a Locust stats name, optionally prefixed by its method; no endpoint means the
aggregated row. A threshold naming an endpoint that saw no request fails (so a typo cannot pass silently).
Pure: the locustfile builds :class:`EndpointStats` from Locust's stats and prints :func:`describe_failures`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from simulator.errors import ConfigError

__all__ = [
    "AGGREGATED",
    "METRICS",
    "EndpointStats",
    "Outcome",
    "Threshold",
    "describe_failures",
    "evaluate",
    "parse_threshold",
    "thresholds_from_profile",
]

AGGREGATED = "Aggregated"
METRICS = ("p50_ms", "p95_ms", "p99_ms", "fail_ratio", "rps", "requests", "failures")
_OPS: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_PATTERN = re.compile(r"^\s*(?:(?P<endpoint>[^:]+?)\s*:\s*)?(?P<metric>\w+)\s*(?P<op><=|>=|<|>)\s*"
                      r"(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Threshold:
    metric: str
    op: str
    value: float
    endpoint: str = AGGREGATED

    def __str__(self) -> str:
        where = "" if self.endpoint == AGGREGATED else f"{self.endpoint}: "
        return f"{where}{self.metric} {self.op} {self.value:g}"


@dataclass(frozen=True, slots=True)
class EndpointStats:
    """One Locust stats row (or the aggregated row), reduced to what thresholds read."""

    name: str
    method: str
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rps: float

    @property
    def fail_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def metric(self, metric: str) -> float:
        return float(getattr(self, metric))


@dataclass(frozen=True, slots=True)
class Outcome:
    threshold: Threshold
    actual: float | None  # None: no stats row matched the endpoint

    @property
    def passed(self) -> bool:
        t = self.threshold
        return self.actual is not None and _OPS[t.op](self.actual, t.value)


def parse_threshold(text: str) -> Threshold:
    match = _PATTERN.match(text)
    if match is None:
        raise ConfigError(f"threshold {text!r} is not '[endpoint:] metric op value' (e.g. 'p95_ms < 250')")
    metric = match["metric"]
    if metric not in METRICS:
        raise ConfigError(f"threshold {text!r}: unknown metric {metric!r}; known: {', '.join(METRICS)}")
    return Threshold(metric, match["op"], float(match["value"]), (match["endpoint"] or AGGREGATED).strip())


def thresholds_from_profile(profile: Mapping[str, object]) -> list[Threshold]:
    """The ``thresholds:`` list of a load profile: strings, or mappings ``{endpoint?, metric, op, value}``."""
    raw = profile.get("thresholds") or []
    if not isinstance(raw, list):
        raise ConfigError("load profile: 'thresholds' must be a list")
    result = []
    for item in raw:
        if isinstance(item, str):
            result.append(parse_threshold(item))
        elif isinstance(item, Mapping):
            endpoint = f"{item['endpoint']}: " if item.get("endpoint") else ""
            result.append(parse_threshold(f"{endpoint}{item.get('metric')} {item.get('op')} {item.get('value')}"))
        else:
            raise ConfigError(f"load profile: threshold {item!r} must be a string or a mapping")
    return result


def _find(rows: Sequence[EndpointStats], endpoint: str) -> EndpointStats | None:
    for row in rows:
        if endpoint in (row.name, f"{row.method} {row.name}"):
            return row
    return None


def evaluate(thresholds: Iterable[Threshold], rows: Sequence[EndpointStats]) -> list[Outcome]:
    """One outcome per threshold, in the order given."""
    outcomes = []
    for threshold in thresholds:
        row = _find(rows, threshold.endpoint)
        actual = row.metric(threshold.metric) if row is not None and row.requests else None
        outcomes.append(Outcome(threshold, actual))
    return outcomes


def describe_failures(outcomes: Iterable[Outcome]) -> list[str]:
    """One line per failed threshold, saying what was measured."""
    lines = []
    for outcome in outcomes:
        if outcome.passed:
            continue
        seen = "no requests matched" if outcome.actual is None else f"measured {outcome.actual:.4g}"
        lines.append(f"threshold failed: {outcome.threshold} ({seen})")
    return lines
